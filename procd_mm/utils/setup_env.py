# Copyright (c) procd_mm authors. All rights reserved.
import datetime

from mmengine import DefaultScope

from .mim_paths import enable_procd_mm_base_configs


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register procd_mm's modules and its ``procd_mm::`` config bases.

    Imports ``procd_mm.engine`` and ``procd_mm.models`` (their classes register in our
    registries), lets configs inherit ``_base_ = ['procd_mm::...']`` from any folder, and
    optionally makes ``procd_mm`` the default scope. The tools call it at their start.

    Args:
        init_default_scope (bool): Whether to make ``procd_mm`` the default scope. If the
            current default scope is another one, a new ``procd_mm`` scope instance is
            created and made current. Defaults to True.
    """
    import procd_mm.engine  # noqa: F401,F403
    import procd_mm.models  # noqa: F401,F403

    enable_procd_mm_base_configs()
    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('procd_mm'):
        DefaultScope.get_instance('procd_mm', scope_name='procd_mm')
    elif current.scope_name != 'procd_mm':
        name = f'procd_mm-{datetime.datetime.now()}'
        DefaultScope.get_instance(name, scope_name='procd_mm')
