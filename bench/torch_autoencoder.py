"""The autoencoder of docs/model.md in PyTorch, for bench/bench_model.py (PyTorch is optional and
not installed by the test command).

Encoder: depth x [3x3 conv -> LeakyReLU(0.01) -> BatchNorm -> 2x2 max pool (indices)], 1x1 conv
to the latent channels. Decoder: 1x1 conv, depth x [2x2 max unpool (the encoder's indices) ->
3x3 conv -> BatchNorm -> LeakyReLU], the last block a plain 3x3 conv to one channel. Skip
connection: the encoder sees x - xbar and xhat = (d + 1) * xbar.
"""

import torch
from torch import nn


class Autoencoder(nn.Module):
    def __init__(self, depth: int = 3, channels: int = 32, latent_channels: int = 1):
        super().__init__()
        self.encoder_convs = nn.ModuleList(
            [nn.Conv2d(1 if i == 0 else channels, channels, 3, padding=1) for i in range(depth)])
        self.encoder_norms = nn.ModuleList([nn.BatchNorm2d(channels) for _ in range(depth)])
        self.to_latent = nn.Conv2d(channels, latent_channels, 1)
        self.from_latent = nn.Conv2d(latent_channels, channels, 1)
        self.decoder_convs = nn.ModuleList(
            [nn.Conv2d(channels, 1 if i == depth - 1 else channels, 3, padding=1)
             for i in range(depth)])
        self.decoder_norms = nn.ModuleList([nn.BatchNorm2d(channels) for _ in range(depth - 1)])
        self.activation = nn.LeakyReLU(0.01)
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2)

    def encode(self, x):
        indices = []
        for conv, norm in zip(self.encoder_convs, self.encoder_norms):
            x, index = self.pool(norm(self.activation(conv(x))))
            indices.append(index)
        return self.to_latent(x), indices

    def decode(self, z, indices):
        h = self.from_latent(z)
        for level, (conv, index) in enumerate(zip(self.decoder_convs, reversed(indices))):
            h = conv(self.unpool(h, index))
            if level < len(self.decoder_norms):
                h = self.activation(self.decoder_norms[level](h))
        return h

    def forward(self, x, mean_frame):
        z, indices = self.encode(x - mean_frame)
        return (self.decode(z, indices) + 1) * mean_frame
