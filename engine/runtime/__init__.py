"""The process runtime: instances, user tasks and the event log on top of SpiffWorkflow."""
