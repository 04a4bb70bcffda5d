# Distillation settings shared by the zoo's detection and segmentation configs, sized for
# 2 CPU cores (prototype width 64; K = 32 prototypes for detection, 8 for segmentation).
procd = dict(
    proto_head=dict(channels=64, num_prototypes=32, grid_level=0, assign_temperature=0.1),
    aug_neck=dict(embed_channels=32, final_relu=False),
    guided=True,
    loss_feat=dict(type='procd_mm.FeatureMSELoss', loss_weight=1.0, normalize=True),
    teacher_amp=False)
fitnet = dict(loss_feat=dict(type='procd_mm.FeatureMSELoss', loss_weight=1.0),
              teacher_amp=False)
pkd = dict(loss_feat=dict(type='procd_mm.PearsonFeatureLoss', loss_weight=1.0),
           teacher_amp=False)
# Detectors: the guided pass runs the student's own FPN on the teacher's stages, each
# projected onto the backbone stage it reads that is nearest in stride
# (guided_input='backbone', ours). The selection of this recipe, made on the val splits by
# docs/plans/one_recipe.md, is recorded in docs/plans/one_recipe_results.md.
procd_det = dict(procd, guided_input='backbone')
# Segmentors: the guided pass at the augmentation neck (guided_input='aug'), K = 8
# prototypes (selection recorded in docs/plans/one_recipe_results.md and the zoo notes).
procd_seg = dict(procd, proto_head=dict(procd['proto_head'], num_prototypes=8))
# Distill-then-fine-tune, stage 1: backbone mimicking without labels for half the plain
# schedule (warm-up and step decay scaled the same way).
dft_iters = 150
dft_stage1 = dict(
    train_cfg=dict(max_iters=dft_iters, val_interval=dft_iters),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=15),
        dict(type='MultiStepLR', by_epoch=False, milestones=[int(dft_iters * 0.8)], gamma=0.1)],
    default_hooks=dict(checkpoint=dict(interval=dft_iters)))
