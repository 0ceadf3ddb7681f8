"""Local-first sync between a user's devices, end-to-end encrypted, through storage they already have.

- :mod:`~memvault.sync.merge`: the merge rules (pure): states, ops, join, what a state shows.
- :mod:`~memvault.sync.replica`: a vault as a replica: local changes to ops, other devices' ops to local changes.
- :mod:`~memvault.sync.segments`: encrypted segments and snapshots as stored on a target; the key file.
- :mod:`~memvault.sync.targets`: where segments live: a folder, S3, WebDAV.
- :mod:`~memvault.sync.engine`: one sync cycle (push, pull, apply) over a target.
"""
