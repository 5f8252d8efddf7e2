#!/bin/sh
# browser.sh - the browser suite as tests/run.sh runs a suite: no arguments,
# VB_BUILD from the environment, a Check-style summary line last.
cd "$(dirname "$0")/../.." || exit 1
exec node tests/browser/run.mjs
