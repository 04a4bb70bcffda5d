# Copyright (c) procd_mm authors. All rights reserved.
"""Let configs inherit ours with ``_base_ = ['procd_mm::procd/...py']``.

MMEngine resolves ``pkg::`` only for packages in its ``MODULE2PACKAGE`` table, and finds a
package's ``.mim`` folder through ``pkg_resources``, which reports ``site-packages`` for an
editable (PEP 660) install rather than the checkout. :func:`enable_procd_mm_base_configs`
fixes both for ``procd_mm`` alone (every other package resolves exactly as before). It
changes MMEngine's config loader, so it runs only when called: by
:func:`procd_mm.utils.register_all_modules` and the tools, never on import.
"""
import os.path as osp

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def enable_procd_mm_base_configs() -> None:
    """Register ``procd_mm`` with MMEngine's config loader (idempotent)."""
    import mmengine.config.config as config_module
    from mmengine.config.utils import MODULE2PACKAGE

    MODULE2PACKAGE.setdefault('procd_mm', 'procd_mm')
    resolve = config_module.get_installed_path
    if getattr(resolve, '_procd_mm', False):
        return

    def get_installed_path(package: str) -> str:
        if package == 'procd_mm':
            return PACKAGE_DIR
        return resolve(package)

    get_installed_path._procd_mm = True
    config_module.get_installed_path = get_installed_path
