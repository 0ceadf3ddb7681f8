"""Where sync files live: a :class:`~memvault.sync.targets.base.Target` per kind of storage.

- :mod:`~memvault.sync.targets.folder`: a local folder kept in sync by another tool (Syncthing, Dropbox, a NAS share);
- :mod:`~memvault.sync.targets.s3`: S3-compatible object storage (needs ``boto3``: ``pip install memvault[s3]``);
- :mod:`~memvault.sync.targets.webdav`: WebDAV (Nextcloud, ownCloud, a NAS), through ``webdav4``.
"""
