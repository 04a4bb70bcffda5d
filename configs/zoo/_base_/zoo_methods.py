# Distillation settings shared by the zoo's detection and segmentation configs, sized for
# 2 CPU cores (prototype width 64; K = 32 prototypes for detection, 8 for segmentation).
procd = dict(
    proto_head=dict(channels=64, num_prototypes=32, grid_level=0, assign_temperature=0.1),
    aug_neck=dict(embed_channels=32, final_relu=False),
    guided=True,
    student_weight=1.0,
    guided_weight=1.0,
    loss_feat=dict(type='procd_mm.FeatureMSELoss', loss_weight=1.0, normalize=True),
    teacher_amp=False)
fitnet = dict(loss_feat=dict(type='procd_mm.FeatureMSELoss', loss_weight=1.0),
              teacher_amp=False)
pkd = dict(loss_feat=dict(type='procd_mm.PearsonFeatureLoss', loss_weight=1.0),
           teacher_amp=False)
# Detectors: the guided pass runs the student's own FPN on the teacher's three stages,
# projected one to one onto the backbone stages it reads (guided_input='backbone', ours).
# Chosen by docs/plans/one_recipe.md on the val splits of both benchmarks: paired val gain
# over the plain student +4.4 (ProC-Parts) and +5.7 (ProC-Shapes) mAP, against +0.9 and
# +1.6 with guided_input='aug' (docs/plans/one_recipe_results.md).
procd_det = dict(procd, guided_input='backbone')
# Segmentors: the guided pass at the augmentation neck (guided_input='aug'), no logit KL.
# docs/plans/one_recipe.md chose between K=8 with the logit KL, K=8 without it and K=32
# with it on the val splits of both benchmarks; paired val gains over the plain student
# (ProC-Parts, ProC-Shapes): +7.7 / +1.5 without the KL, +8.3 / +1.6 with it, +4.4 / +2.1
# for K=32; the rule's tie margin (1.0) gives the choice with fewer loss terms.
# K is chosen per task on ProC-Parts' *val* split (mean of seeds 0-2,
# docs/model_zoo_notes.md): detection K=32 30.0 mAP (K=8 27.9, K=72 26.2); segmentation
# K=8 37.2 mIoU (K=32 32.5, K=72 35.4).
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
