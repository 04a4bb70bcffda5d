# Copyright (c) procd_mm authors. All rights reserved.
__version__ = '0.1.0'


def parse_version_info(version_str: str) -> tuple:
    """Parse a version string into a tuple such as ``(0, 1, 0)``.

    Args:
        version_str (str): The version string, e.g. ``'0.1.0'`` or ``'0.1.0rc1'``.

    Returns:
        tuple: Integer parts, followed by the pre-release tag if any.
    """
    parts = []
    for x in version_str.split('.'):
        if x.isdigit():
            parts.append(int(x))
        elif 'rc' in x:
            num, rc = x.split('rc')
            parts += [int(num), f'rc{rc}']
    return tuple(parts)


version_info = parse_version_info(__version__)
