"""The Wams procedure as a case: its reference, phase, people (data subjects), recorded facts and
monitoring indicators, on top of one process instance."""
