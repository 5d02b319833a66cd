"""Running a deployment: backups and restores (``backup.py``), the settings check
(``doctor.py``)."""
