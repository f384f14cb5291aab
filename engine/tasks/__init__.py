"""People's work: inboxes, claiming, handing over and completing user tasks, and who may do which."""
