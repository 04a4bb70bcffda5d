# Copyright (c) procd_mm authors. All rights reserved.
"""Shared helpers of the model-zoo and dataset tests."""

# Item counts of a small synthetic benchmark (images per teacher class, scenes per split).
SMALL = dict(cls_train=4, cls_val=2, det_train=12, det_val=4, det_test=8)


def small_flags(out: str) -> list:
    """The generators' command-line arguments that write a :data:`SMALL` benchmark."""
    return ['--out', out, '--seed', '0'] + [f'--{k.replace("_", "-")}={v}'
                                            for k, v in SMALL.items()]


def write_small(gen, out: str) -> dict:
    """Write a :data:`SMALL` benchmark with generator module ``gen`` through the command-line
    path its tool takes (``generator_parser`` and ``write_and_report``)."""
    from procd_mm.datasets.synthetic_writer import generator_parser, write_and_report
    args = generator_parser('test', 'unused', gen.COUNTS).parse_args(small_flags(out))
    return write_and_report(gen.write_dataset, args.out, args.seed,
                            {k: getattr(args, k) for k in gen.COUNTS})


def tool_writes_the_same_files(tool: str, root: str, tmp_path) -> None:
    """Run ``tools/dataset_converters/<tool>`` in its own process with the :data:`SMALL`
    counts and check it writes ``root``'s files byte for byte."""
    import filecmp
    import os
    import os.path as osp
    import subprocess
    import sys

    from procd_mm.zoo.catalogue import ROOT
    out = str(tmp_path / 'cli')
    proc = subprocess.run([sys.executable, osp.join('tools', 'dataset_converters', tool),
                           *small_flags(out)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert f'written to {out}' in proc.stdout

    def files(r):
        return sorted(osp.relpath(osp.join(d, f), r) for d, _, fs in os.walk(r) for f in fs)

    assert files(out) == files(root)
    _, mismatch, errors = filecmp.cmpfiles(root, out, files(root), shallow=False)
    assert not mismatch and not errors
