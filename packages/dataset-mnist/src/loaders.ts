import { FASHION_MNIST_CLASS_NAMES } from './class-names.js';
import { createIdxLoader } from './idx-loader.js';

export { FASHION_MNIST_CLASS_NAMES } from './class-names.js';

/** Fashion-MNIST's official mirror. */
export const FASHION_MNIST_MIRROR = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 60,000 + 10,000 grey 28x28
 * images of clothes in ten classes. Searched in the user path, the cache and
 * {@link DEBIAN_FASHION_MNIST_DIR}, then downloaded from {@link FASHION_MNIST_MIRROR}.
 *
 * @example
 * ```ts
 * const data = await fashionMnist.load({ download: false });
 * data.info.splits; // { train: 60000, test: 10000 }
 * ```
 */
export const fashionMnist = createIdxLoader({
  name: 'fashion-mnist',
  description: 'Fashion-MNIST: 70,000 grey 28x28 images of clothes in 10 classes (IDX format).',
  classNames: FASHION_MNIST_CLASS_NAMES,
  mirror: FASHION_MNIST_MIRROR,
  sha256: {
    'train-images-idx3-ubyte.gz': '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
    'train-labels-idx1-ubyte.gz': 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
    't10k-images-idx3-ubyte.gz': '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
    't10k-labels-idx1-ubyte.gz': '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
  },
  systemPaths: [DEBIAN_FASHION_MNIST_DIR],
  howToGet: `on Debian or Ubuntu run \`apt-get install dataset-fashion-mnist\`; or download the four *-ubyte.gz files from ${FASHION_MNIST_MIRROR} (https://github.com/zalandoresearch/fashion-mnist) into a directory and pass it as \`path\`; or allow downloading (\`download: true\`) on a machine with internet access.`,
});

/** A mirror of MNIST kept by the PyTorch project, used because the original site asks for a login. */
export const MNIST_MIRROR = 'https://ossci-datasets.s3.amazonaws.com/mnist/';

/**
 * MNIST (LeCun, Cortes and Burges): 60,000 + 10,000 grey 28x28 handwritten
 * digits. Searched in the user path and the cache, then downloaded from
 * {@link MNIST_MIRROR}.
 */
export const mnist = createIdxLoader({
  name: 'mnist',
  description: 'MNIST: 70,000 grey 28x28 handwritten digits in 10 classes (IDX format).',
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  mirror: MNIST_MIRROR,
  sha256: {
    'train-images-idx3-ubyte.gz': '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    'train-labels-idx1-ubyte.gz': '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
  },
  howToGet: `download the four *-ubyte.gz files from ${MNIST_MIRROR} into a directory and pass it as \`path\`, or allow downloading (\`download: true\`) on a machine with internet access.`,
});
