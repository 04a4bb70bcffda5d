# Copyright (c) procd_mm authors. All rights reserved.
"""What the zoo runs: its tasks, methods, two-stage methods and classification pretrainings.

Every (task, method) has a config ``configs/zoo/<task>/<stem>_<method>.py``
(:func:`config_path`); a K ablation exists only where K differs from the task's default.
"""
import os.path as osp

# The checkout the zoo runs in: configs, data and work dirs are relative to it.
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

TASKS = {
    'det': dict(stem='retinanet_r18_parts', metric='coco/bbox_mAP', metric_name='bbox mAP',
                student='RetinaNet-R18-FPN', task_name='Object Detection', pwc='box AP', k=32),
    'seg': dict(stem='fcn_r18_parts', metric='mIoU', metric_name='mIoU',
                student='FCN-R18', task_name='Semantic Segmentation', pwc='mIoU', k=8),
}
METHODS = {
    'plain': 'no distillation',
    'fitnet': 'FitNet (feature MSE)',
    'pkd': 'PKD (Pearson feature KD)',
    'pkd-bb': 'PKD on the backbone stages',
    'procd': 'ProC-KD (K={k})',
    'procd-strip': 'ProC-KD, aug. neck stripped at inference',
    'procd-randteacher': 'control: ProC-KD with a random (untrained) teacher',
    'procd-nores': 'ProC-KD, guided pass without the student level',
    'procd-aug': "ProC-KD, guided pass into the aug. neck (guided_input='aug')",
    'procd-noguided': 'ProC-KD, no guided pass (no teacher)',
    'procd-nofeat': 'ProC-KD, no feature loss',
    'procd-k8': 'ProC-KD, K=8',
    'procd-k32': 'ProC-KD, K=32',
    'procd-k72': 'ProC-KD, K=72',
    'init-teacher': 'student backbone initialised from the teacher, then plain',
    'frozen-teacher': 'control: the frozen teacher as the student backbone',
    'dft': 'distill-then-fine-tune (backbone PKD without labels, then plain)',
    # the realistic regime: student backbone pretrained, ResNet-50 teacher
    'pt-plain': 'pretrained student: no distillation',
    'pt-pkd-bb': 'pretrained student: PKD on the backbone stages (R50 teacher)',
    'pt-procd': 'pretrained student: ProC-KD (K={k}, R50 teacher)',
    'pt-procd-randteacher': 'pretrained student: control, ProC-KD with a random R50 teacher',
    'pt-dft': 'pretrained student: distill-then-fine-tune (R50 teacher)',
    # distill-then-fine-tune with BackboneDistiller (the backbone alone, an unlabelled image
    # folder), one row per dense objective (docs/plans/pipeline.md)
    'pt-dft-pkd': 'pretrained student: backbone distillation, PKD, then plain (R50 teacher)',
    'pt-dft-cos': 'pretrained student: backbone distillation, cosine + smooth-L1 (RADIO), '
                  'then plain (R50 teacher)',
    'pt-dft-mse': 'pretrained student: backbone distillation, MLP-head MSE (LightlyTrain v2), '
                  'then plain (R50 teacher)',
    'pt-dft-pkl': 'pretrained student: backbone distillation, patch-similarity KL, then plain '
                  '(R50 teacher)',
    # control: the plain student with the optimizer steps of the longest pipeline (stage 1,
    # half the schedule, + stage 2), ITER_SCALE
    'pt-plain-long': 'pretrained student: control, no distillation, 1.5x the iterations',
    # ProC-KD in the pipeline, (b) (ours): the prototype structure learned in stage 1
    'pt-dft-proto': 'pretrained student: backbone distillation, PKD + the teacher\'s '
                    'prototype assignments (K={k}), then plain (R50 teacher)',
    'pt-dft-proto-randteacher': 'pretrained student: control, backbone distillation, PKD + '
                                'prototype assignments, random R50 teacher, then plain',
    # ProC-KD in the pipeline, (a): ProC-KD as stage 2 on the distilled backbone
    'pt-dft-procd': 'pretrained student: backbone distillation (PKD), then ProC-KD '
                    '(K={k}, R50 teacher)',
    'pt-dft-procd-randteacher': 'pretrained student: control, backbone distillation (PKD), '
                                'then ProC-KD with a random R50 teacher',
}
# Methods trained in two stages: the first stage's config (its method name), whose student
# backbone initialises the second stage (the method's own config).
STAGE1 = {'dft': 'dft-distill', 'pt-dft': 'pt-dft-distill',
          **{f'pt-dft-{o}': f'pt-dft-{o}-distill'
             for o in ('pkd', 'cos', 'mse', 'pkl', 'proto', 'proto-randteacher')}}
# Methods trained for a multiple of their task's schedule (compute-matched controls).
ITER_SCALE = {'pt-plain-long': 1.5}
# Two-stage methods whose second stage starts from another method's first stage, run once per
# seed in that method's work dir: a pair then differs only in its second stage.
STAGE1_OF = {'pt-dft-procd': 'pt-dft-pkd', 'pt-dft-procd-randteacher': 'pt-dft-pkd'}
STAGE1.update({m: STAGE1[owner] for m, owner in STAGE1_OF.items()})
TEACHER_CFG = 'configs/zoo/teacher_r18_procd-parts-cls.py'
TEACHER_FILE = 'teacher_r18_procd-parts.pth'
# Classification pretrainings, each written to <work dir>/<name>/<file> (the configs name
# work_dirs/zoo/<name>/<file>). ``split``: a classification split of its own, generated with
# the benchmark's generator (seed, images per class) into <data><suffix>; None: the
# benchmark's own classification split. Each has the role it is named by in the table.
PRETRAIN = {
    'teacher': dict(config=TEACHER_CFG, file=TEACHER_FILE, split=None, role='Teacher'),
    'teacher_r50': dict(config='configs/zoo/teacher_r50_procd-parts-cls-large.py',
                        file='teacher_r50_procd-parts-large.pth',
                        split=dict(suffix='_cls_large', seed=1, cls_train=200, cls_val=20),
                        role='Teacher of the pretrained-student rows'),
    'student_r18': dict(config='configs/zoo/student_r18_procd-parts-cls-pretrain.py',
                        file='student_r18_procd-parts-pretrain.pth',
                        split=dict(suffix='_cls_pretrain', seed=2, cls_train=120, cls_val=20),
                        role='Detector backbone pretraining of the pretrained-student rows'),
    # the segmentor's ResNetV1c-18 (deep stem) on the same classification split
    'student_r18v1c': dict(config='configs/zoo/student_r18v1c_procd-parts-cls-pretrain.py',
                           file='student_r18v1c_procd-parts-pretrain.pth',
                           split=dict(suffix='_cls_pretrain', seed=2, cls_train=120,
                                      cls_val=20),
                           role='Segmentor backbone pretraining of the pretrained-student rows'),
}
# The pipeline check (``quick``): reduced data and a few iterations.
QUICK_COUNTS = dict(cls_train=6, cls_val=2, det_train=16, det_val=8, det_test=16)
QUICK_ITERS = 2
# The prototype statistics a run's record keeps (the last logged value of each).
PROTO_KEYS = ('proto.assign_entropy', 'proto.usage_entropy', 'proto.num_used')


def config_path(task: str, method: str) -> str:
    """The config that trains ``method`` on ``task``.

    Args:
        task (str): A key of :data:`TASKS`.
        method (str): A key of :data:`METHODS` or a first stage of :data:`STAGE1`.

    Returns:
        str: The path relative to :data:`ROOT` (``procd-strip`` re-tests ``procd``'s run).
    """
    method = 'procd' if method == 'procd-strip' else method
    return f'configs/zoo/{task}/{TASKS[task]["stem"]}_{method}.py'


def method_label(method: str, task: str) -> str:
    """The row label of ``method`` in ``task``'s tables (K filled in).

    Args:
        method (str): A key of :data:`METHODS`.
        task (str): A key of :data:`TASKS`.

    Returns:
        str: e.g. ``ProC-KD (K=32)``.
    """
    return METHODS[method].format(k=TASKS[task]['k'])
