"""Writes the Keras file fixtures of test/fixtures/keras with h5py, following Keras' file layouts
exactly (Keras itself is not installable here), plus PyTorch reference outputs.

  gru_reset_after.h5   Keras 2 (2.15) model file: Sequential GRU(reset_after) -> GRU(reset_after,
                       go_backwards) -> Dense(softmax); layout of keras.saving.legacy.hdf5_format
  bidi_masked.keras    Keras 3 (3.6) archive: tokens -> Embedding(mask_zero) -> Bidirectional(GRU)
                       -> TimeDistributed(Dense), and Embedding -> LSTM(hard_sigmoid) as a second
                       output; layout of keras.saving.saving_lib (config.json, metadata.json,
                       model.weights.h5 with layers/<snake_case class>[_n]/.../vars/<i>)
  reference.json       inputs and PyTorch 1.13 outputs (GRUs run by torch.nn.GRU with the Keras
                       weights mapped: z,r,h -> r,z,n, kernel transposed, bias [2,3H] -> b_ih/b_hh)

Run with Debian's python: /usr/bin/python3 tools/gen_keras_fixtures.py
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'keras')
rng = np.random.default_rng(1234)
T, F = 7, 4


def u(*shape, s=0.6):
    return rng.uniform(-s, s, size=shape).astype(np.float32)


def torch_gru(x, kernel, rec, bias, reverse=False):
    """Keras GRU(reset_after=True) run by torch.nn.GRU. x [B, T, I] -> (seq [B, T, H], h [B, H])."""
    H = rec.shape[0]
    I = kernel.shape[0]
    g = torch.nn.GRU(I, H, batch_first=True)
    order = [1, 0, 2]
    def blocks(m):
        return np.concatenate([m[..., k * H:(k + 1) * H] for k in order], axis=-1)
    with torch.no_grad():
        g.weight_ih_l0.copy_(torch.from_numpy(blocks(kernel).T.copy()))
        g.weight_hh_l0.copy_(torch.from_numpy(blocks(rec).T.copy()))
        g.bias_ih_l0.copy_(torch.from_numpy(blocks(bias[0])))
        g.bias_hh_l0.copy_(torch.from_numpy(blocks(bias[1])))
        xi = torch.from_numpy(x[:, ::-1].copy() if reverse else x)
        y, h = g(xi)
    return y.numpy(), h[0].numpy()


def init(cls):
    return {'module': 'keras.initializers', 'class_name': cls, 'config': {'seed': None}, 'registered_name': None}


def gru_config2(name, units, **kw):
    c = {'name': name, 'trainable': True, 'dtype': 'float32', 'return_sequences': False, 'return_state': False,
         'go_backwards': False, 'stateful': False, 'unroll': False, 'time_major': False, 'units': units,
         'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True,
         'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None}},
         'recurrent_initializer': {'class_name': 'Orthogonal', 'config': {'gain': 1.0, 'seed': None}},
         'bias_initializer': {'class_name': 'Zeros', 'config': {}}, 'kernel_regularizer': None,
         'recurrent_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None,
         'kernel_constraint': None, 'recurrent_constraint': None, 'bias_constraint': None, 'dropout': 0.0,
         'recurrent_dropout': 0.0, 'implementation': 2, 'reset_after': True}
    c.update(kw)
    return c


def write_keras2_h5(path):
    H1, H2, U = 5, 4, 3
    w = {
        'gru': dict(kernel=u(F, 3 * H1), rec=u(H1, 3 * H1), bias=u(2, 3 * H1)),
        'gru_1': dict(kernel=u(H1, 3 * H2), rec=u(H2, 3 * H2), bias=u(2, 3 * H2)),
        'dense': dict(kernel=u(H2, U), bias=u(U)),
    }
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, T, F], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': 'gru_input'}},
        {'class_name': 'GRU', 'config': gru_config2('gru', H1, return_sequences=True)},
        {'class_name': 'GRU', 'config': gru_config2('gru_1', H2, go_backwards=True)},
        {'class_name': 'Dense', 'config': {'name': 'dense', 'trainable': True, 'dtype': 'float32', 'units': U, 'activation': 'softmax', 'use_bias': True,
                                           'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None}}, 'bias_initializer': {'class_name': 'Zeros', 'config': {}},
                                           'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None}},
    ]}}
    names = {
        'gru': ['gru/gru_cell/kernel:0', 'gru/gru_cell/recurrent_kernel:0', 'gru/gru_cell/bias:0'],
        'gru_1': ['gru_1/gru_cell_1/kernel:0', 'gru_1/gru_cell_1/recurrent_kernel:0', 'gru_1/gru_cell_1/bias:0'],
        'dense': ['dense/kernel:0', 'dense/bias:0'],
    }
    with h5py.File(path, 'w') as f:
        f.attrs['backend'] = 'tensorflow'.encode('utf8')
        f.attrs['keras_version'] = '2.15.0'.encode('utf8')
        f.attrs['model_config'] = json.dumps(config).encode('utf8')
        g = f.create_group('model_weights')
        g.attrs['layer_names'] = np.array([n.encode('utf8') for n in ['gru_input', 'gru', 'gru_1', 'dense']])
        g.attrs['backend'] = 'tensorflow'.encode('utf8')
        g.attrs['keras_version'] = '2.15.0'.encode('utf8')
        g.create_group('gru_input').attrs['weight_names'] = np.array([], dtype='S1')
        for layer in ['dense', 'gru', 'gru_1']:  # Keras writes them sorted by name
            lg = g.create_group(layer)
            lg.attrs['weight_names'] = np.array([n.encode('utf8') for n in names[layer]])
            vals = [w[layer][k] for k in (['kernel', 'rec', 'bias'] if layer != 'dense' else ['kernel', 'bias'])]
            for n, v in zip(names[layer], vals):
                d = lg.create_dataset(n, v.shape, dtype=v.dtype)
                d[:] = v
    x = u(3, T, F, s=2.0)
    s1, h1 = torch_gru(x, w['gru']['kernel'], w['gru']['rec'], w['gru']['bias'])
    _, h2 = torch_gru(s1, w['gru_1']['kernel'], w['gru_1']['rec'], w['gru_1']['bias'], reverse=True)
    logits = h2.astype(np.float64) @ w['dense']['kernel'].astype(np.float64) + w['dense']['bias']
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return {'x': x, 'gru_seq': s1, 'gru_h': h1, 'gru_1_h': h2, 'output': p.astype(np.float32)}, w


def layer3(cls, config, **extra):
    d = {'module': 'keras.layers', 'class_name': cls, 'config': config, 'registered_name': None}
    d.update(extra)
    return d


def kt(layer, node=0, idx=0, shape=None, dtype='float32'):
    return {'class_name': '__keras_tensor__', 'config': {'shape': shape, 'dtype': dtype, 'keras_history': [layer, node, idx]}}


def rnn3(name, cls, units, **kw):
    c = {'name': name, 'trainable': True, 'dtype': {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': None},
         'return_sequences': False, 'return_state': False, 'go_backwards': False, 'stateful': False, 'unroll': False,
         'zero_output_for_mask': False, 'units': units, 'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True,
         'kernel_initializer': init('GlorotUniform'), 'recurrent_initializer': init('Orthogonal'), 'bias_initializer': init('Zeros'),
         'kernel_regularizer': None, 'recurrent_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None,
         'kernel_constraint': None, 'recurrent_constraint': None, 'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'seed': None}
    if cls == 'GRU':
        c['reset_after'] = True
        c['use_cudnn'] = 'auto'
    if cls == 'LSTM':
        c['unit_forget_bias'] = True
        c['use_cudnn'] = 'auto'
    c.update(kw)
    return c


def write_keras3(path):
    V, E, H, U, H2 = 12, 4, 5, 3, 4
    w = {
        'emb': u(V, E),
        'fwd': dict(kernel=u(E, 3 * H), rec=u(H, 3 * H), bias=u(2, 3 * H)),
        'bwd': dict(kernel=u(E, 3 * H), rec=u(H, 3 * H), bias=u(2, 3 * H)),
        'td': dict(kernel=u(2 * H, U), bias=u(U)),
        'lstm': dict(kernel=u(E, 4 * H2), rec=u(H2, 4 * H2), bias=u(4 * H2)),
    }
    dt = {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': None}
    gru = rnn3('forward_gru', 'GRU', H, return_sequences=True)
    bgru = rnn3('backward_gru', 'GRU', H, return_sequences=True, go_backwards=True)
    layers = [
        layer3('InputLayer', {'batch_shape': [None, T], 'dtype': 'int32', 'sparse': False, 'name': 'tokens'}, name='tokens', inbound_nodes=[]),
        layer3('Embedding', {'name': 'embedding', 'trainable': True, 'dtype': dt, 'input_dim': V, 'output_dim': E, 'embeddings_initializer': init('RandomUniform'),
                             'embeddings_regularizer': None, 'activity_regularizer': None, 'embeddings_constraint': None, 'mask_zero': True},
               name='embedding', build_config={'input_shape': [None, T]}, inbound_nodes=[{'args': [kt('tokens', shape=[None, T], dtype='int32')], 'kwargs': {}}]),
        layer3('Bidirectional', {'name': 'bidirectional', 'trainable': True, 'dtype': dt, 'merge_mode': 'concat',
                                 'layer': layer3('GRU', gru), 'backward_layer': layer3('GRU', bgru)},
               name='bidirectional', build_config={'input_shape': [None, T, E]},
               inbound_nodes=[{'args': [kt('embedding', shape=[None, T, E])], 'kwargs': {'training': False, 'mask': None}}]),
        layer3('TimeDistributed', {'name': 'time_distributed', 'trainable': True, 'dtype': dt, 'layer': layer3('Dense', {
            'name': 'dense', 'trainable': True, 'dtype': dt, 'units': U, 'activation': 'linear', 'use_bias': True, 'kernel_initializer': init('GlorotUniform'),
            'bias_initializer': init('Zeros'), 'kernel_regularizer': None, 'bias_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None})},
               name='time_distributed', build_config={'input_shape': [None, T, 2 * H]},
               inbound_nodes=[{'args': [kt('bidirectional', shape=[None, T, 2 * H])], 'kwargs': {'mask': None}}]),
        layer3('LSTM', rnn3('lstm', 'LSTM', H2, recurrent_activation='hard_sigmoid'), name='lstm', build_config={'input_shape': [None, T, E]},
               inbound_nodes=[{'args': [kt('embedding', shape=[None, T, E])], 'kwargs': {'training': False, 'mask': None}}]),
    ]
    config = {'module': 'keras.src.models.functional', 'class_name': 'Functional', 'config': {
        'name': 'functional', 'trainable': True, 'layers': layers,
        'input_layers': [['tokens', 0, 0]], 'output_layers': [['time_distributed', 0, 0], ['lstm', 0, 0]]},
        'registered_name': 'Functional', 'build_config': {'input_shape': None}}
    buf = io.BytesIO()
    with h5py.File(buf, 'w') as f:
        def vars_(path, arrays):
            g = f.require_group(path).create_group('vars')
            for i, a in enumerate(arrays):
                g.create_dataset(str(i), data=a)
        f.create_group('layers/input_layer').create_group('vars')
        vars_('layers/embedding', [w['emb']])
        vars_('layers/bidirectional', [])
        vars_('layers/bidirectional/forward_layer/cell', [w['fwd']['kernel'], w['fwd']['rec'], w['fwd']['bias']])
        vars_('layers/bidirectional/backward_layer/cell', [w['bwd']['kernel'], w['bwd']['rec'], w['bwd']['bias']])
        f['layers/bidirectional/forward_layer'].create_group('vars')
        f['layers/bidirectional/backward_layer'].create_group('vars')
        vars_('layers/time_distributed', [])
        vars_('layers/time_distributed/layer', [w['td']['kernel'], w['td']['bias']])
        vars_('layers/lstm', [])
        vars_('layers/lstm/cell', [w['lstm']['kernel'], w['lstm']['rec'], w['lstm']['bias']])
        f.create_group('optimizer').create_group('vars')
    meta = {'keras_version': '3.6.0', 'date_saved': '2024-10-01@12:00:00'}
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr('metadata.json', json.dumps(meta))
        zf.writestr('config.json', json.dumps(config))
        zf.writestr('model.weights.h5', buf.getvalue())
    # unmasked tokens: torch reference of the bidirectional GRU + TimeDistributed(Dense)
    tok = rng.integers(1, V, size=(3, T)).astype(np.int32)
    e = w['emb'][tok]
    sf, _ = torch_gru(e, w['fwd']['kernel'], w['fwd']['rec'], w['fwd']['bias'])
    sb, _ = torch_gru(e, w['bwd']['kernel'], w['bwd']['rec'], w['bwd']['bias'], reverse=True)
    cat = np.concatenate([sf, sb[:, ::-1]], axis=-1).astype(np.float64)
    td = (cat @ w['td']['kernel'].astype(np.float64) + w['td']['bias']).astype(np.float32)
    return {'tokens': tok, 'td': td}, w


def main():
    os.makedirs(OUT, exist_ok=True)
    ref2, _ = write_keras2_h5(os.path.join(OUT, 'gru_reset_after.h5'))
    ref3, _ = write_keras3(os.path.join(OUT, 'bidi_masked.keras'))
    tolist = lambda d: {k: {'data': v.reshape(-1).tolist(), 'shape': list(v.shape)} for k, v in d.items()}
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump({'gru_reset_after.h5': tolist(ref2), 'bidi_masked.keras': tolist(ref3)}, f)
    # validate with h5py: the files read back with the expected structure
    with h5py.File(os.path.join(OUT, 'gru_reset_after.h5'), 'r') as f:
        assert json.loads(f.attrs['model_config'])['class_name'] == 'Sequential'
        assert [n.decode() for n in f['model_weights'].attrs['layer_names']] == ['gru_input', 'gru', 'gru_1', 'dense']
        assert f['model_weights/gru/gru/gru_cell/bias:0'].shape == (2, 15)
    with zipfile.ZipFile(os.path.join(OUT, 'bidi_masked.keras')) as zf:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        with h5py.File(io.BytesIO(zf.read('model.weights.h5')), 'r') as f:
            assert f['layers/bidirectional/backward_layer/cell/vars/2'].shape == (2, 15)
            assert f['layers/time_distributed/layer/vars/0'].shape == (10, 3)
    print('wrote', OUT)


if __name__ == '__main__':
    main()
