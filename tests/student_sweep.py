# Copyright (c) procd_mm authors. All rights reserved.
"""The student sweep: every model family shipped with the installed mmdet and mmseg, swapped
in as ``ProCDistiller``'s student and trained for one step on CPU.

A family is one folder of ``<package>/.mim/configs`` (``mmdet/cascade_rcnn``), swept with
one model type (a supported one where the folder's configs build several, e.g.
``mmdet/rtmdet``) and its cheapest-looking config. The sweep loads the config with
MMEngine's ``Config``, makes its model offline and small (no pretrained downloads, SyncBN
as BN, few proposals, RoI samples and classes, tiny images), puts the model dict as it is
into ``model.student`` of a ``procd_mm.ProCDistiller`` with a random ResNet-18 teacher, and
runs one loss + backward + predict step. A student the distiller does not support must be
refused at build with a ``TypeError`` naming what is supported; the row records it.

``tests/test_models/test_student_sweep.py`` runs the rows as tests; ``main`` runs them all
and writes ``docs/students.md``::

    OMP_NUM_THREADS=1 .venv/bin/python tests/student_sweep.py [--only mmdet/retinanet ...]
"""
import argparse
import ast
import contextlib
import copy
import functools
import gc
import importlib.util
import os
import os.path as osp
import platform
import re
import subprocess
import time
import traceback
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple
from unittest import mock

import torch

SCOPES = ('mmdet', 'mmseg')
ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DOC = osp.join(ROOT, 'docs', 'students.md')

# A small random teacher: the sweep tests the students, not the teacher.
TEACHER = dict(type='mmpretrain.ResNet', depth=18, out_indices=(1, 2, 3))
DISTILLER = dict(type='procd_mm.ProCDistiller', teacher_ckpt=None,
                 proto_head=dict(channels=32, num_prototypes=8),
                 aug_neck=dict(embed_channels=16))
DET_SIZE = (64, 96)  # (H, W): both divisible by 32, not square
SEG_SIZE = (64, 64)
BATCH = 2
# Image size multipliers tried in turn when a step fails for the image size (a deepest level
# smaller than a kernel: DCN, DDOD; LRASPP's 49-pixel pooling needs 8x)
RETRY_SCALES = (1, 2, 8)
# Caps on the training/testing cost knobs of the students' own configs (same architecture).
CAPS = dict(nms_pre=200, max_per_img=100, max_num=200)
CLASS_CAP = 200  # LVIS/V3Det/Objects365 heads: every num_classes of the config capped alike
SAMPLER_CAP = 64  # RoI/RPN sampler batch

# Rows that run in the quick tier; the rest of the sweep is marked slow.
QUICK = ('mmdet/retinanet', 'mmdet/faster_rcnn', 'mmdet/cascade_rcnn', 'mmseg/fcn',
         'mmseg/point_rend')
# Detector rows that are also run with guided_input='backbone'.
BACKBONE_GUIDED = ('mmdet/retinanet', 'mmdet/fcos', 'mmdet/faster_rcnn', 'mmdet/cascade_rcnn',
                   'mmdet/sparse_rcnn')

PASS, SKIP, FAIL, UNSUPPORTED, NO_MODEL = (
    'pass', 'skip', 'fail', 'not supported', 'no model config')


class DownloadBlocked(RuntimeError):
    """Raised instead of downloading anything while a row runs."""


@dataclass(frozen=True)
class Family:
    """One row of the sweep: a config folder and the model type it is swept with.

    Attributes:
        scope (str): ``'mmdet'`` or ``'mmseg'``.
        folder (str): The folder under ``<scope>/.mim/configs``.
        model_type (str, optional): The model type of ``config`` as read from the config
            files' text (None: the folder holds no model config).
        config (str, optional): The representative config, relative to the configs root.
        several (bool): The folder's configs build more than one model type.
    """
    scope: str
    folder: str
    model_type: Optional[str]
    config: Optional[str]
    several: bool = False

    @property
    def id(self) -> str:
        return f'{self.scope}/{self.folder}'


@dataclass
class Result:
    """What one row gave."""
    family: Family
    status: str
    model_type: Optional[str] = None
    reason: str = ''
    seconds: float = 0.0
    guided_input: str = 'aug'
    size: Optional[Tuple[int, int]] = None
    error: Optional[BaseException] = field(default=None, repr=False)


# --------------------------------------------------------------------------- discovery


def configs_root(scope: str) -> str:
    """``<scope>/.mim/configs`` of the installed package (found without importing it)."""
    spec = importlib.util.find_spec(scope)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f'{scope} is not installed')
    return osp.join(list(spec.submodule_search_locations)[0], '.mim', 'configs')


@functools.lru_cache(maxsize=None)
def _parse(path: str) -> Tuple[Tuple[str, ...], Optional[str]]:
    """The ``_base_`` entries of a config file and the ``type`` of its ``model = dict(...)``
    (None when it sets no model type; ``'?'`` when ``model`` is not a ``dict(...)`` call)."""
    with open(path) as f:
        tree = ast.parse(f.read())
    bases: Tuple[str, ...] = ()
    model_type = None
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            continue
        name, value = node.targets[0].id, node.value
        if name == '_base_':
            items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
            bases = tuple(v.value for v in items if isinstance(v, ast.Constant))
        elif name == 'model':
            if isinstance(value, ast.Call) and getattr(value.func, 'id', None) == 'dict':
                for kw in value.keywords:
                    if kw.arg == 'type' and isinstance(kw.value, ast.Constant):
                        model_type = kw.value.value
            else:
                model_type = '?'
    return bases, model_type


def static_model_type(path: str) -> Optional[str]:
    """The model type a config file builds, read from its text and its bases' (a fast
    stand-in for loading it; the sweep reports the type of the loaded config).

    Returns:
        str, optional: The type name; None when no file in the chain sets a model type;
        ``'<missing base>'`` when a base file does not exist.
    """
    try:
        bases, model_type = _parse(path)
    except (OSError, SyntaxError):
        return '<missing base>'
    if model_type is not None:
        return model_type
    for base in bases:
        if '::' in base:
            scope, rel = base.split('::', 1)
            try:
                base_path = osp.join(configs_root(scope), rel)
            except ImportError:
                continue
        else:
            base_path = osp.normpath(osp.join(osp.dirname(path), base))
        found = static_model_type(base_path)
        if found is not None:
            return found
    return None


# Name fragments of configs, lightest first: the sweep takes the config of a folder and model
# type whose name matches the earliest pattern (then the shortest name).
_COST = [re.compile(p) for p in (
    r'r18|tiny|mobilenet|w18|-t[-_]|_t_',
    r'r50|r34|small|-s[-_]|_s_',
    r'^(?!.*(x101|r101|101|152|large|huge|-l[-_]|-x[-_]|-xl|_l_|_x_|w40|w48|-b[-_]|swin-b|'
    r'vit-l|3x|mstrain|ms-|crop|lvis|v3det|levir))')]
# configs that are not the folder's model on ordinary images (LEVIR: 6-channel image pairs)
_LAST = re.compile(r'levir')


def _cost_rank(name: str) -> Tuple[int, int, str]:
    """Sort key that puts the config most likely to be small and cheap first."""
    tier = next((i for i, p in enumerate(_COST) if p.search(name)), len(_COST))
    tier += len(_COST) + 1 if _LAST.search(name) else 0
    return (tier, len(name), name)


def discover(scopes: Sequence[str] = SCOPES) -> List[Family]:
    """Every config folder of ``scopes`` as one row: the folder's model type (of those
    its configs build, a supported student type first, then the type most of its configs
    build) with its cheapest-looking config; a folder without model configs is a row
    without a config."""
    families = []
    for scope in scopes:
        root = configs_root(scope)
        for folder in sorted(os.listdir(root)):
            path = osp.join(root, folder)
            if folder.startswith('_') or not osp.isdir(path):
                continue
            by_type: Dict[str, List[str]] = {}
            for dirpath, _, files in os.walk(path):
                for name in files:
                    if not name.endswith('.py'):
                        continue
                    full = osp.join(dirpath, name)
                    model_type = static_model_type(full)
                    if model_type is not None and model_type != '<missing base>':
                        by_type.setdefault(model_type, []).append(osp.relpath(full, root))
            if not by_type:
                families.append(Family(scope, folder, None, None))
                continue
            model_type = min(by_type, key=lambda t: (not _supported(scope, t),
                                                     -len(by_type[t]), t))
            config = min(by_type[model_type], key=lambda p: _cost_rank(osp.basename(p)))
            families.append(Family(scope, folder, model_type, config, len(by_type) > 1))
    return families


def _supported(scope: str, model_type: str) -> bool:
    from procd_mm.models.distillers.adapters import adapter_class
    cls = student_class(scope, model_type)
    return cls is not None and adapter_class(cls) is not None


def family(id: str) -> Family:
    """The discovered row with this id (``'mmdet/retinanet'``)."""
    for f in discover((id.split('/')[0], )):
        if f.id == id:
            return f
    raise KeyError(f'no family {id!r} in the installed configs')


# --------------------------------------------------------------------------- one row


def student_class(scope: str, model_type: str):
    """The registered class of a student type, or None."""
    from importlib import import_module
    if '.' in model_type:
        scope, model_type = model_type.rsplit('.', 1)
    try:
        return import_module(f'{scope}.registry').MODELS.get(model_type)
    except (ImportError, KeyError):
        return None


def load_student(f: Family, scale: int = 1):
    """The family's config loaded with MMEngine, and ``model.student`` made offline and
    small; returns ``(config, student config dict, image size (H, W))``. ``scale``
    multiplies the image size (a retry for students whose deepest level needs more)."""
    from mmengine.config import Config

    from procd_mm.utils.offline import strip_downloads_and_syncbn
    cfg = Config.fromfile(osp.join(configs_root(f.scope), f.config))
    student = copy.deepcopy(cfg.model)
    student.setdefault('_scope_', cfg.get('default_scope', f.scope))  # as mmdet:: bases do
    strip_downloads_and_syncbn(student)
    _cap_costs(student, _has_class_split(student))
    size = image_size(f.scope, student.get('backbone') or {}, scale)
    _small_inputs(student, size)
    return cfg, student, size


def image_size(scope: str, backbone: dict, scale: int = 1) -> Tuple[int, int]:
    """The sweep's image size (H, W): the backbone's fixed input size where it has one
    (SSD's VGG), else the sweep's default, times ``scale``."""
    fixed = backbone.get('input_size')
    h, w = (fixed, fixed) if isinstance(fixed, int) else (DET_SIZE if scope == 'mmdet'
                                                          else SEG_SIZE)
    return h * scale, w * scale


def _has_class_split(cfg) -> bool:
    """The config splits its classes into things and stuff (panoptic heads)."""
    text = str(cfg)
    return 'num_things_classes' in text or 'num_stuff_classes' in text


def _cap_costs(cfg, keep_classes: bool = False) -> None:
    """Cap proposal counts, NMS candidates, sampler sizes and (unless the classes are split
    into things and stuff) the number of classes in place (same architecture)."""
    if isinstance(cfg, dict):
        caps = CAPS if keep_classes else dict(CAPS, num_classes=CLASS_CAP)
        for key, cap in caps.items():
            if isinstance(cfg.get(key), int) and cfg[key] > cap:
                cfg[key] = cap
        if 'Sampler' in str(cfg.get('type', '')) and isinstance(cfg.get('num'), int):
            cfg['num'] = min(cfg['num'], SAMPLER_CAP)
        for v in cfg.values():
            _cap_costs(v, keep_classes)
    elif isinstance(cfg, (list, tuple)):
        for v in cfg:
            _cap_costs(v, keep_classes)


def _small_inputs(student: dict, size: Tuple[int, int]) -> None:
    """Batch padding and resizing at the sweep's image size, not the config's (random batch
    resizing keeps the input size in the first iteration); a ViT-style backbone built for
    that size."""
    pre = student.get('data_preprocessor') or {}
    if student['_scope_'] == 'mmseg' and pre.get('size_divisor') is None:
        pre['size'] = size  # mmseg pads every batch to one size
    for aug in pre.get('batch_augments') or []:
        if aug.get('type') == 'BatchFixedSizePad':
            aug['size'] = size
        if aug.get('type') == 'BatchResize':  # (w, h), as mmcv's scales
            aug['scale'] = size[::-1]
    backbone = student.get('backbone') or {}
    if student['_scope_'] == 'mmseg' and 'img_size' in backbone:
        backbone['img_size'] = size


def build_distiller(student: dict, guided_input: str = 'aug'):
    from procd_mm.registry import MODELS
    cfg = dict(copy.deepcopy(DISTILLER), student=student, teacher=copy.deepcopy(TEACHER))
    if guided_input != 'aug':
        cfg['guided_input'] = guided_input
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def det_inputs_for(student, size: Tuple[int, int]) -> dict:
    """Packed detection inputs with the student's classes (and masks/semantics where its
    heads need them)."""
    from mmdet.testing import demo_mm_inputs
    roi = getattr(student, 'roi_head', None)
    panoptic = hasattr(student, 'panoptic_head') or hasattr(student, 'panoptic_fusion_head')
    with_mask = panoptic or bool(roi is not None and getattr(roi, 'with_mask', False))
    with_semantic = panoptic or bool(roi is not None and getattr(roi, 'with_semantic', False))
    num_classes = _det_num_classes(student)
    packed = demo_mm_inputs(BATCH, [[3, *size]] * BATCH, num_classes=max(num_classes, 2),
                            with_mask=with_mask, with_semantic=with_semantic)
    g = torch.Generator().manual_seed(0)
    for sample in packed['data_samples']:  # labels over every class, 0 included
        labels = sample.gt_instances.labels
        sample.gt_instances.labels = torch.randint(0, num_classes, labels.shape, generator=g)
        if not getattr(student, 'with_rpn', True):  # Fast R-CNN reads precomputed proposals
            sample.proposals = _proposals(sample.gt_instances.bboxes, g, size)
    return packed


def _proposals(gt_bboxes: torch.Tensor, g: torch.Generator, size: Tuple[int, int],
               num: int = 32):
    """Proposals as a proposal file gives them: jittered ground truth and random boxes."""
    from mmengine.structures import InstanceData
    h, w = size
    xy = torch.rand(num, 2, generator=g) * torch.tensor([w * 0.7, h * 0.7])
    wh = 8 + torch.rand(num, 2, generator=g) * torch.tensor([w * 0.3, h * 0.3])
    boxes = torch.cat([xy, xy + wh], dim=1)
    jitter = gt_bboxes + torch.randn(gt_bboxes.shape, generator=g) * 2
    return InstanceData(bboxes=torch.cat([jitter, boxes]),
                        scores=torch.rand(len(jitter) + num, generator=g))


def _det_num_classes(student) -> int:
    for owner, name in ((getattr(student, 'roi_head', None), 'bbox_head'),
                        (student, 'bbox_head'), (student, 'panoptic_head'),
                        (student, 'rpn_head')):
        head = getattr(owner, name, None) if owner is not None else None
        if isinstance(head, torch.nn.ModuleList):
            head = head[0]
        for attr in ('num_things_classes', 'num_classes'):
            if isinstance(getattr(head, attr, None), int):
                return getattr(head, attr)
    return 1


def seg_inputs_for(student, size: Tuple[int, int]) -> dict:
    from mm_testing import seg_inputs
    head = student.decode_head
    head = head[-1] if isinstance(head, torch.nn.ModuleList) else head
    return seg_inputs(batch=BATCH, size=size, num_classes=head.num_classes)


def _finite(v) -> bool:
    values = v if isinstance(v, (list, tuple)) else [v]
    return all(torch.isfinite(torch.as_tensor(x)).all() for x in values)


def check_losses(losses: dict) -> None:
    """Finite ``student.*`` and ``guided.*`` task losses and ``distill.loss_feat``."""
    for prefix in ('student.', 'guided.'):
        keys = [k for k in losses if k.startswith(prefix) and 'loss' in k]
        assert keys, f'no {prefix}* loss among {sorted(losses)}'
    assert 'distill.loss_feat' in losses, f'no distill.loss_feat among {sorted(losses)}'
    bad = [k for k, v in losses.items() if 'loss' in k and not _finite(v)]
    assert not bad, f'non-finite losses {bad}'


def check_backbone_grad(student) -> None:
    grads = [p.grad for p in student.backbone.parameters() if p.requires_grad]
    assert any(g is not None for g in grads), "backward gave no gradient to the student's backbone"
    assert all(torch.isfinite(g).all() for g in grads if g is not None), \
        "non-finite gradient in the student's backbone"


def check_predictions(results, packed: dict, task: str) -> None:
    from mmdet.structures import DetDataSample
    from mmseg.structures import SegDataSample
    assert len(results) == len(packed['inputs']), \
        f'{len(results)} predictions for {len(packed["inputs"])} images'
    kind, keys = (DetDataSample, ('pred_instances', 'pred_panoptic_seg')) if task == 'det' \
        else (SegDataSample, ('pred_sem_seg', ))
    for r in results:
        assert isinstance(r, kind), f'predict returned {type(r).__name__}, not {kind.__name__}'
        assert any(k in r for k in keys), f'the prediction has none of {keys}: {r.keys()}'


def train_one_step(model, task: str, size: Tuple[int, int], plain: bool = False) -> None:
    """One loss + backward + predict step through the distiller's public entry points,
    with every check of the sweep; ``plain``: the student alone, checks of its own
    losses only."""
    from mmengine.logging import MessageHub
    student = model if plain else model.student
    packed = det_inputs_for(student, size) if task == 'det' else seg_inputs_for(student, size)
    hub = MessageHub.get_current_instance()  # as the runner's first step
    hub.update_info('iter', 0)
    hub.update_info('epoch', 0)
    model.train()
    data = model.data_preprocessor(copy.deepcopy(packed), True)
    losses = model(**data, mode='loss')
    if not plain:
        check_losses(losses)
    total, _ = model.parse_losses(losses)
    total.backward()
    check_backbone_grad(student)
    model.eval()
    one = {k: v[:1] for k, v in packed.items()}  # as mmdet/mmseg test: one image a batch
    with torch.no_grad():
        data = model.data_preprocessor(copy.deepcopy(one), False)
        results = model(**data, mode='predict')
    check_predictions(results, one, task)


@contextlib.contextmanager
def no_downloads() -> Iterator[None]:
    """Turn every download entry point of torch/MMEngine into a :class:`DownloadBlocked`."""

    def blocked(url, *args, **kwargs):
        raise DownloadBlocked(f'needs a download: {getattr(url, "full_url", url)}')

    targets = ['torch.hub.download_url_to_file', 'torch.hub.urlopen', 'urllib.request.urlopen',
               'mmengine.utils.dl_utils.download_url_to_file']
    with contextlib.ExitStack() as stack:
        for target in targets:
            with contextlib.suppress(ImportError, AttributeError):
                stack.enter_context(mock.patch(target, blocked))
        yield


def first_frame(error: BaseException, package: str = 'procd_mm') -> str:
    """``path:line in function`` of the first traceback frame inside ``package`` (else the
    last frame)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ''
    marker = f'{os.sep}{package}{os.sep}'
    inside = [fr for fr in frames if marker in fr.filename and '/tests/' not in fr.filename]
    fr = inside[0] if inside else frames[-1]
    where = fr.filename.split(marker, 1)[-1] if inside else fr.filename.rsplit(
        'site-packages' + os.sep, 1)[-1]
    return f'{package + "/" if inside else ""}{where}:{fr.lineno} in {fr.name}'


def _one_line(error: BaseException, limit: int = 300) -> str:
    msg = ' '.join(str(error).split())
    msg = msg if len(msg) <= limit else msg[:limit] + ' ...'
    return f'{type(error).__name__}: {msg}'


_SIZE_ERRORS = ('smaller than kernel', 'Output size is too small',
                "Kernel size can't be greater")
_OPTIONAL = ('pip install', 'is not installed', 'install required packages')


def _chain(error: BaseException) -> List[BaseException]:
    chain = [error]
    while (chain[-1].__cause__ or chain[-1].__context__) is not None and len(chain) < 8:
        chain.append(chain[-1].__cause__ or chain[-1].__context__)
    return chain


def _skip_reason(error: BaseException) -> Optional[str]:
    """Why a row cannot run offline on this CPU machine, or None (then the error is a
    failure): a download, an optional package that is not installed, an mmcv op without a
    CPU kernel."""
    for e in _chain(error):
        text = ' '.join(str(e).split())
        if isinstance(e, DownloadBlocked):
            return text
        if isinstance(e, ModuleNotFoundError):
            return f'needs the module {e.name!r}, which is not installed'
        if any(k in text for k in _OPTIONAL):
            return f'needs an optional package: {text[:160]}'
        if 'implementation for device cpu not found' in text:
            return f'an mmcv op without a CPU kernel: {text[:160]}'
    return None


def _unsupported_reason(error: BaseException) -> Optional[str]:
    """The distiller's refusal of a student it does not serve, or None."""
    for e in _chain(error):
        if isinstance(e, TypeError) and 'supported are' in str(e).lower():
            return f'TypeError: {" ".join(str(e).split())[:240]}'
    return None


def _size_error(error: BaseException) -> bool:
    return any(k in str(e) for e in _chain(error) for k in _SIZE_ERRORS)


def run_family(f: Family, guided_input: str = 'aug', strict: bool = False) -> Result:
    """Run one row.

    Args:
        f (Family): The row.
        guided_input (str): ``ProCDistiller``'s ``guided_input``.
        strict (bool): Re-raise a failure (the test's mode) instead of recording it.

    Returns:
        Result: pass; skip (with the reason it cannot run offline on CPU, or the student's
        own failure without procd_mm); fail (with the exception and its first frame in
        procd_mm); not a supported student (the distiller's ``TypeError``); or no model
        config. A step that fails for the image size is retried at larger sizes
        (``RETRY_SCALES``).
    """
    result = Result(f, FAIL, f.model_type, guided_input=guided_input)
    if f.config is None:
        result.status, result.reason = NO_MODEL, 'the folder holds only shared base configs'
        return result
    start = time.perf_counter()
    try:
        for scale in RETRY_SCALES:
            try:
                _run_once(f, guided_input, scale, result)
                break
            except Exception as e:
                if scale == RETRY_SCALES[-1] or not _size_error(e):
                    raise
        result.status = PASS
    except Exception as e:  # recorded per row; strict mode re-raises
        result.error = e
        reason = _skip_reason(e)
        unsupported = _unsupported_reason(e)
        if reason is None and unsupported is None and result.reason == 'step':
            reason = _plain_failure(f, result.size)
        if unsupported is not None:
            result.status, result.reason = UNSUPPORTED, unsupported
        elif reason is not None:
            result.status, result.reason = SKIP, reason
        else:
            result.status = FAIL
            result.reason = f'{result.reason}: {_one_line(e)} [{first_frame(e)}]'
        if strict and result.status == FAIL:
            raise
        if not strict:  # its traceback holds the model: keep the text only
            result.error = None
    finally:
        result.seconds = time.perf_counter() - start
    return result


def _run_once(f: Family, guided_input: str, scale: int, result: Result) -> None:
    """Load, build and step the row at ``scale``; ``result.reason`` names the stage."""
    from mmengine.registry import init_default_scope
    torch.manual_seed(0)
    result.reason = 'load'
    with no_downloads():
        cfg, student, result.size = load_student(f, scale)
        result.model_type = str(student['type'])
        init_default_scope(cfg.get('default_scope', f.scope))
        result.reason = 'build'
        model = build_distiller(student, guided_input)
        result.reason = 'step'
        train_one_step(model, 'det' if f.scope == 'mmdet' else 'seg', result.size)
    result.reason = ''


def _plain_failure(f: Family, size: Tuple[int, int]) -> Optional[str]:
    """The student alone (no procd_mm) through the same step: why it fails, or None."""
    from mmengine.registry import MODELS
    scale = size[0] // image_size(f.scope, {})[0] if size else 1
    try:
        with no_downloads():
            _, student, size = load_student(f, max(scale, 1))
            model = MODELS.build(student)
            model.init_weights()
            train_one_step(model, 'det' if f.scope == 'mmdet' else 'seg', size, plain=True)
    except Exception as e:
        return ("the student fails the sweep's step without procd_mm too: "
                f'{_one_line(e, 160)} [{first_frame(e, f.scope)}]')
    return None


# --------------------------------------------------------------------------- the doc


def _versions() -> str:
    import mmcv
    import mmdet
    import mmseg
    sha = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT,
                         capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(['git', 'status', '--porcelain', '--', 'procd_mm'], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return (f'commit {sha}{" with uncommitted changes in procd_mm/" if dirty else ""}; '
            f'mmdet {mmdet.__version__}, mmseg {mmseg.__version__}, mmcv {mmcv.__version__}, '
            f'torch {torch.__version__}; {platform.machine()} CPU, '
            f'{torch.get_num_threads()} thread(s)')


def write_doc(results: List[Result], backbone: List[Result], seconds: float,
              path: str = DOC) -> None:
    counts: Dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    lines = [
        '# Students: every mmdet and mmseg model family as `model.student`',
        '',
        'Generated by `tests/student_sweep.py` (`OMP_NUM_THREADS=1 .venv/bin/python '
        'tests/student_sweep.py`), which `tests/test_models/test_student_sweep.py` runs as '
        'tests; do not edit by hand.',
        f'Measured at {_versions()}; the whole sweep took {seconds:.0f} s.',
        '',
        'A family is a folder of the configs shipped inside the installed package '
        '(`<package>/.mim/configs`), swept with one model type (a supported one where the '
        "folder's configs build several) and the config whose name promises the smallest "
        "model. The config's `model` dict goes unchanged into `model.student` of "
        '`procd_mm.ProCDistiller` (random ResNet-18 teacher, 8 prototypes), after making it '
        'offline and small: no pretrained weights, SyncBN as BN, at most '
        f'{CAPS["nms_pre"]} NMS candidates, {CAPS["max_per_img"]} proposals/detections, '
        f'{SAMPLER_CAP} sampled RoIs and {CLASS_CAP} classes (where classes are not split '
        f'into things and stuff), batch {BATCH} of images {DET_SIZE[0]}x{DET_SIZE[1]} '
        f'(detection; SSD at its own input size) or {SEG_SIZE[0]}x{SEG_SIZE[1]} '
        f'(segmentation), {RETRY_SCALES[1]} or {RETRY_SCALES[2]} times that where the '
        'deepest level is too small for a kernel (the size column). One loss + backward + predict step on CPU, then the checks: '
        "finite `student.*`, `guided.*` and `distill.loss_feat` losses, a finite gradient in "
        "the student's backbone, one prediction of the right type per image.",
        '',
        f'Supported students: {supported_students()}.',
        '',
        '- **pass**: the step ran and every check held.',
        '- **skip**: the row cannot run offline on this CPU machine (a download, an optional '
        'package, an mmcv op without a CPU kernel), or the student fails the same step '
        'without procd_mm; the reason says which.',
        '- **fail**: the exception, where it was raised, and its first frame in `procd_mm`.',
        f'- **{UNSUPPORTED}**: building the distiller with it raises the `TypeError` quoted, '
        'which names what is supported.',
        '- **no model config**: the folder holds only shared dataset/schedule configs.',
        '',
        'Totals: ' + ', '.join(f'{n} {s}' for s, n in sorted(counts.items())) + '.',
        '',
    ]
    lines += _table(results)
    if backbone:
        lines += ['', "## `guided_input='backbone'`", '',
                  'The same step for a few detector families with the teacher levels entering '
                  "the student's neck.", '']
        lines += _table(backbone)
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def _table(results: List[Result]) -> List[str]:
    rows = ['| family | config | model type | size | result | reason | seconds |',
            '| --- | --- | --- | --- | --- | --- | ---: |']
    for r in results:
        reason = r.reason.replace('|', '\\|')
        config = f'`{r.family.config}`' if r.family.config else ''
        size = f'{r.size[0]}x{r.size[1]}' if r.size and r.status == PASS else ''
        rows.append(f'| {r.family.id} | {config} | {r.model_type or ""} | {size} | '
                    f'{r.status} | {reason} | {r.seconds:.1f} |')
    return rows


def supported_students() -> str:
    from procd_mm.models.distillers.adapters import supported_students as names
    return names()


def _quiet_logs() -> None:
    """Only warnings from MMEngine's current logger (init_weights logs every parameter)."""
    import logging

    from mmengine.logging import MMLogger
    MMLogger.get_current_instance().setLevel(logging.WARNING)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--only', nargs='*', help='family ids (default: all)')
    parser.add_argument('--no-doc', action='store_true', help='do not write docs/students.md')
    parser.add_argument('--no-backbone', action='store_true',
                        help="skip the guided_input='backbone' rows")
    args = parser.parse_args(argv)
    import procd_mm.models  # noqa: F401  (registers ProCDistiller)
    families = [f for f in discover() if not args.only or f.id in args.only
                or f'{f.scope}/{f.folder}' in args.only]
    start = time.perf_counter()
    results, backbone = [], []
    for f in families:
        _quiet_logs()
        r = run_family(f)
        gc.collect()
        results.append(r)
        print(f'{r.status:>8} {r.seconds:6.1f}s {f.id} {r.model_type or ""} {r.reason}',
              flush=True)
    if not args.no_backbone:
        for f in families:
            if f.id in BACKBONE_GUIDED:
                _quiet_logs()
                r = run_family(f, guided_input='backbone')
                backbone.append(r)
                print(f'{r.status:>8} {r.seconds:6.1f}s {f.id} [backbone] {r.reason}',
                      flush=True)
    seconds = time.perf_counter() - start
    print(f'{len(results) + len(backbone)} rows in {seconds:.0f} s')
    if not args.no_doc and not args.only:
        write_doc(results, backbone, seconds)
    return int(any(r.status == FAIL for r in results + backbone))


if __name__ == '__main__':
    raise SystemExit(main())
