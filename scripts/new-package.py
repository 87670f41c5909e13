#!/usr/bin/env python3
"""Scaffolds a published workspace package with the repo's conventions.

usage: scripts/new-package.py DIR NAME "description" [dep@range ...]
"""
import json, os, sys

folder, name, description, *deps = sys.argv[1:]
root = os.path.join(os.path.dirname(__file__), '..', 'packages', folder)
os.makedirs(os.path.join(root, 'src'), exist_ok=True)
pkg = {
    'name': name,
    'version': '0.1.0',
    'description': description,
    'license': 'MIT',
    'type': 'module',
    'sideEffects': False,
    'exports': {
        '.': {
            '@asng/source': './src/index.ts',
            'import': {'types': './dist/index.d.ts', 'default': './dist/index.js'},
            'require': {'types': './dist/index.d.cts', 'default': './dist/index.cjs'},
        },
        './package.json': './package.json',
    },
    'main': './dist/index.cjs',
    'module': './dist/index.js',
    'types': './dist/index.d.ts',
    'files': ['dist', 'src', '!src/**/*.test.ts', 'CHANGELOG.md'],
    'scripts': {
        'build': 'tsup',
        'typecheck': 'tsc --noEmit -p .',
        # attw packs without the prepack/postpack scripts: they rewrite package.json, which parallel lint tasks read.
        'lint': 'publint --strict && npm_config_ignore_scripts=true attw --pack . --profile node16',
        'test': 'vitest run',
        # The packed manifest loses the @asng/source condition and src/, and gains the LICENSE.
        'prepack': 'node ../../scripts/pack-manifest.mjs prepack',
        'postpack': 'node ../../scripts/pack-manifest.mjs postpack',
    },
    'dependencies': dict(d.rsplit('@', 1) for d in deps),
    'publishConfig': {'access': 'public'},
    'engines': {'node': '>=20'},
}
if not pkg['dependencies']:
    del pkg['dependencies']
with open(os.path.join(root, 'package.json'), 'w') as f:
    json.dump(pkg, f, indent=2)
    f.write('\n')
short = folder
files = {
    'tsconfig.json': '{\n  "extends": "../../tsconfig.base.json",\n  "include": ["src", "test", "bench", "*.ts"]\n}\n',
    'tsup.config.ts': "import { packageBuild } from '../../tsup.shared';\n\nexport default packageBuild();\n",
    'vitest.config.ts': f"import {{ packageProject }} from '../../vitest.shared.ts';\n\nexport default packageProject('{short}');\n",
}
for fname, text in files.items():
    path = os.path.join(root, fname)
    if not os.path.exists(path):
        with open(path, 'w') as f:
            f.write(text)
