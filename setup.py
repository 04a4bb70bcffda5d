# Copyright (c) procd_mm authors. All rights reserved.
"""Packaging for procd_mm.

Like mmdet and mmseg, ``configs/`` and ``tools/`` are placed in ``procd_mm/.mim`` so that
``_base_ = ['procd_mm::...']`` and ``mim train procd_mm ...`` resolve from any directory:
linked in an editable install, copied in a regular one.
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
MIM_FILES = ['configs', 'tools', 'model-index.yml', 'metafile.yml']


def readme() -> str:
    with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version() -> str:
    scope: dict = {}
    with open(osp.join(HERE, 'procd_mm', 'version.py'), encoding='utf-8') as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


def parse_requirements(fname: str) -> list:
    """Read requirement lines, following ``-r`` includes and skipping comments."""
    reqs = []
    with open(osp.join(HERE, fname), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            if line.startswith('-r '):
                reqs += parse_requirements(osp.join(osp.dirname(fname), line[3:].strip()))
            else:
                reqs.append(line)
    return reqs


def add_mim_extension() -> None:
    """Link (editable install) or copy (regular install) configs/ and tools/ into .mim."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif {'sdist', 'bdist_wheel', 'build', 'install'} & set(sys.argv):
        mode = 'copy'
    else:
        return
    mim_root = osp.join(HERE, 'procd_mm', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(HERE, name)
        dst = osp.join(mim_root, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_root), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='procd_mm',
        version=get_version(),
        description='Prototype-guided Cross-task Knowledge Distillation (ProC-KD) '
        'for MMDetection and MMSegmentation',
        long_description=readme(),
        long_description_content_type='text/markdown',
        keywords='knowledge distillation, cross-task, object detection, '
        'semantic segmentation, openmmlab',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
        include_package_data=True,
        package_data={'procd_mm': ['.mim/**/*', '.mim/*']},
        python_requires='>=3.8',
        classifiers=[
            'Programming Language :: Python :: 3',
            'Operating System :: OS Independent',
        ],
        license='Apache-2.0',
        install_requires=parse_requirements('requirements/runtime.txt'),
        extras_require={
            'tests': parse_requirements('requirements/tests.txt'),
            'all': parse_requirements('requirements.txt'),
        },
        zip_safe=False)
