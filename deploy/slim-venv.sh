#!/bin/sh
# Make a copro virtual environment smaller for the Docker image, keeping all that copro runs:
# no installer, no tests, no font-making tools (charts are PNG), dates and money in
# English and Welsh only, phone numbers without the place and carrier names, of Twilio's API
# only the parts that send messages (the rest loads only when asked for), no debug symbols.
# Usage: deploy/slim-venv.sh /venv
set -eu
site=$(echo "$1"/lib/python3.*/site-packages)
cd "$site"
rm -rf pip pip-* setuptools setuptools-* pkg_resources _distutils_hack distutils-precedence.pth \
    fontTools/varLib fontTools/feaLib fontTools/qu2cu fontTools/cu2qu fontTools/designspaceLib \
    fontTools/ufoLib fontTools/otlLib fontTools/subset fontTools/mtiLib fontTools/voltLib \
    phonenumbers/geodata phonenumbers/carrierdata phonenumbers/tzdata \
    matplotlib/mpl-data/sample_data numpy/_core/include numpy/f2py numpy/_pyinstaller
find twilio/rest -mindepth 1 -maxdepth 1 ! -name __init__.py ! -name api ! -name messaging \
    -exec rm -rf {} +
find babel/locale-data -name '*.dat' ! -name 'root.dat' ! -name 'en.dat' ! -name 'en_GB.dat' \
    ! -name 'en_001.dat' ! -name 'en_150.dat' ! -name 'cy.dat' ! -name 'cy_GB.dat' -delete
find . -depth -type d \( -name tests -o -name testing -o -name __pycache__ \) \
    ! -path './numpy/testing' -exec rm -rf {} +
find . \( -name '*.pyi' -o -name '*.pyx' -o -name '*.pxd' -o -name '*.c' -o -name '*.h' \) -delete
# Debug symbols out of compiled modules (not the bundled libraries in *.libs, which it breaks).
find . -name '*.so' ! -path '*.libs/*' -exec strip --strip-unneeded {} +
