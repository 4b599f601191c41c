/*
 * release: the `release` step kind (see release.c), and what other parts
 * of stagecoach may ask of a configured release step.
 */
#ifndef SC_RELEASE_STEP_H
#define SC_RELEASE_STEP_H

struct step;

/* The step's `artifact` as written in the config (a file, a folder or a
 * .tar.gz; relative paths are relative to the config file's folder, raw:
 * not expanded).  Borrowed from the step; NULL when st is not a release
 * step.  For the release identity: the content hash covers it. */
const char *release_step_artifact(const struct step *st);

#endif
