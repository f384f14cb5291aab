"""Monitoring for managers: the indicators of the Gemeentelijke Monitor Sociaal Domein per period,
and where work waits (bottlenecks per BPMN element). Everything comes from the process data itself."""
