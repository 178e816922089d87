# Adds the standalone eks-tf-auth to the Atlantis image: no Python, no pip, no AWS CLI. Build it
# from the folder `make standalone` fills, which holds the executable's folder eks-tf-auth/:
#   docker build -f Dockerfile -t atlantis-eks dist/standalone
# The executable needs glibc 2.36 or later (the image's Debian variant), not Alpine's musl.
FROM ghcr.io/runatlantis/atlantis:v0.35.0-debian
COPY eks-tf-auth/ /opt/eks-tf-auth/
USER root
RUN ln -s /opt/eks-tf-auth/eks-tf-auth /usr/local/bin/eks-tf-auth \
 && eks-tf-auth --version
USER atlantis
