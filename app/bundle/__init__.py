"""Encrypted bundles: the file format (:mod:`~app.bundle.format`, specified in ``FORMAT.md``) and how
memories become body lines (:mod:`~app.bundle.records`). Pure: the use cases live in
:mod:`app.service.bundles`.
"""
