"""Transparency: the information notice given to the people (GDPR art. 13 and 14) and the
record of processing activities (art. 30), both written from the settings, so that the periods
they state are the periods the retention run applies."""
