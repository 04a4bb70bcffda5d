# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm's registries: children of MMEngine's, with lazy ``locations``.

A ``procd_mm`` config can hold ``mmdet``, ``mmseg`` and ``mmpretrain`` modules by their
scoped names (``type='mmdet.FasterRCNN'``); our modules are found from any scope as
``procd_mm.ProCDistiller``. The ``locations`` let a config name a class before its module
is imported. Registries
without ``locations`` hold nothing of ours yet: the students' own mmdet/mmseg classes serve.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import \
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

# Runners that load the run's own checkpoints with full unpickling (engine/runner).
RUNNERS = Registry(
    'runner', parent=MMENGINE_RUNNERS, locations=['procd_mm.engine'])
# Constructors that customise how runners are built.
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor',
    parent=MMENGINE_RUNNER_CONSTRUCTORS,
    locations=['procd_mm.engine'])
# Training, validation and test loops.
LOOPS = Registry(
    'loop', parent=MMENGINE_LOOPS, locations=['procd_mm.engine'])
# Hooks: prototype health, non-finite loss guard, prototype pictures.
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, locations=['procd_mm.engine'])

# Datasets: the unlabelled image folder of distillation pretraining (the labelled tasks
# use the mmdet/mmseg/mmpretrain datasets as they are).
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, locations=['procd_mm.datasets'])
# Samplers of dataset indices.
DATA_SAMPLERS = Registry(
    'data sampler',
    parent=MMENGINE_DATA_SAMPLERS)
# Data transforms: packing unlabelled images.
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, locations=['procd_mm.datasets'])

# Distillers, prototype heads, augmentation necks and distillation losses.
MODELS = Registry(
    'model', parent=MMENGINE_MODELS, locations=['procd_mm.models'])
# Model wrappers such as DDP.
MODEL_WRAPPERS = Registry(
    'model_wrapper',
    parent=MMENGINE_MODEL_WRAPPERS,
    locations=['procd_mm.models'])
# Weight initialisers.
WEIGHT_INITIALIZERS = Registry(
    'weight initializer',
    parent=MMENGINE_WEIGHT_INITIALIZERS,
    locations=['procd_mm.models'])

# Optimizers.
OPTIMIZERS = Registry(
    'optimizer',
    parent=MMENGINE_OPTIMIZERS,
    locations=['procd_mm.engine'])
# Optimizer wrappers such as AmpOptimWrapper.
OPTIM_WRAPPERS = Registry(
    'optim_wrapper',
    parent=MMENGINE_OPTIM_WRAPPERS,
    locations=['procd_mm.engine'])
# Constructors that build optimizer wrappers from a model's parameters.
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['procd_mm.engine'])
# Learning-rate and momentum schedulers.
PARAM_SCHEDULERS = Registry(
    'parameter scheduler',
    parent=MMENGINE_PARAM_SCHEDULERS)

# Metrics (the students' own mmdet/mmseg metrics are used as they are).
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS)
# Evaluators that hold metrics.
EVALUATOR = Registry(
    'evaluator', parent=MMENGINE_EVALUATOR)

# Target assigners, samplers and other task utilities.
TASK_UTILS = Registry(
    'task util', parent=MMENGINE_TASK_UTILS, locations=['procd_mm.models'])

# Visualizers.
VISUALIZERS = Registry(
    'visualizer',
    parent=MMENGINE_VISUALIZERS)
# Visualization backends (local, TensorBoard, ...).
VISBACKENDS = Registry(
    'vis_backend',
    parent=MMENGINE_VISBACKENDS)

# Log processors.
LOG_PROCESSORS = Registry(
    'log_processor',
    parent=MMENGINE_LOG_PROCESSORS,
    locations=['procd_mm.engine'])
