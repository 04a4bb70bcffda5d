# Stage 2: the stock Faster R-CNN R50-FPN 1x COCO run, its backbone initialised from stage 1
# (pretrain_vit-b_faster-rcnn_r50_coco.py). Nothing else differs from the stock config, so
# its results compare one to one with the stock run's.
_base_ = ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py']
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained',
    checkpoint='work_dirs/pretrain_vit-b_faster-rcnn_r50_coco/backbone.pth',
    prefix='backbone.')))
# Run with procd_mm's tools (tools/train.py, dist_train.sh), as every config here.
runner_type = 'procd_mm.ProCDRunner'
custom_imports = dict(imports=['procd_mm.engine'], allow_failed_imports=False)
