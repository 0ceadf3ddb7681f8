"""Encrypted bundles: the file format (:mod:`~memvault.bundle.format`, specified in ``FORMAT.md``) and how
memories become body lines (:mod:`~memvault.bundle.records`). Pure: the use cases live in
:mod:`memvault.service.bundles`.
"""
