# The realistic regime's pretraining of the segmentation student's backbone: the same
# classification split and recipe as student_r18_procd-parts-cls-pretrain.py, with the FCN
# student's own backbone (mmseg's ResNetV1c-18, deep stem), so that every key under the
# checkpoint's ``backbone.`` loads into the segmentor. Produces
# work_dirs/zoo/student_r18v1c/student_r18v1c_procd-parts-pretrain.pth.
_base_ = ['./student_r18_procd-parts-cls-pretrain.py']
model = dict(backbone=dict(
    _delete_=True, type='mmseg.ResNetV1c', depth=18, num_stages=4, out_indices=(3, ),
    dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2), norm_cfg=dict(type='BN'), norm_eval=False,
    style='pytorch', contract_dilation=True, init_cfg=None))
work_dir = 'work_dirs/zoo/student_r18v1c'
