import type { DatasetLoader } from '@asng/core';
import { celeba } from '@asng/dataset-celeba';
import { cifar10 } from '@asng/dataset-cifar10';
import { fashionMnistSubset } from '@asng/dataset-fashion-mnist-subset';
import { imageFolder } from '@asng/dataset-image-folder';
import { fashionMnist, mnist } from '@asng/dataset-mnist';

/** The loaders `asng-data` knows, by name. */
export const datasetLoaders: readonly DatasetLoader[] = [fashionMnistSubset, fashionMnist, mnist, cifar10, celeba, imageFolder as DatasetLoader];
