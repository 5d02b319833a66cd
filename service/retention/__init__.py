"""Retention of personal data: periods from the settings, one recorded run that notices,
anonymises and purges (:mod:`service.retention.service`)."""
