# Copyright (c) procd_mm authors. All rights reserved.
"""The model zoo as a library: what it runs (:mod:`.catalogue`, :mod:`.benchmarks`), where
its runs and records live (:mod:`.options`, :mod:`.layout`, :mod:`.records`), how a run's
config is prepared (:mod:`.configs`), the pretrainings (:mod:`.pretraining`), the runs
(:mod:`.runs`, :mod:`.table`) and what is written from their records (:mod:`.reports`,
:mod:`.metafile`, :mod:`.headline`, :mod:`.recipe`, :mod:`.teacher_curve`).

``tools/model_zoo/*.py`` are the command lines over these modules. Importing this package
imports nothing heavy and changes nothing global.
"""
