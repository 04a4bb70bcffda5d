# Copyright (c) procd_mm authors. All rights reserved.
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from procd_mm.registry import HOOKS


@HOOKS.register_module()
class BackboneExportHook(Hook):
    """After training, write the student's backbone as a checkpoint the stock student config
    loads (``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``) and log
    the line that loads it.

    Args:
        out (str): File name, relative to the work dir unless absolute. Defaults to
            ``'backbone.pth'``.
    """

    priority = 'LOW'

    def __init__(self, out: str = 'backbone.pth') -> None:
        self.out = out

    def after_train(self, runner) -> None:
        # imported here: the engine does not import procd_mm.apis (which builds runners)
        from procd_mm.apis.backbone_export import init_cfg_line, save_backbone
        if not is_main_process():
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        out = self.out if osp.isabs(self.out) else osp.join(runner.work_dir, self.out)
        meta = dict(iter=runner.iter, experiment=runner.experiment_name,
                    teacher_ckpt=getattr(model, 'teacher_ckpt', None))
        digest = save_backbone(model.state_dict(), out, meta)
        print_log(f'backbone written to {out} (sha256 {digest[:12]}); load it with '
                  f'{init_cfg_line(out)}', logger='current')
