/**
 * The names gate gives its own files inside the dirs it owns. Kept apart from the modules that use them
 * (the lock, the run engine) so that the gate-file rules can refuse a path that would take one
 * (`envFile.path`) without loading either.
 */

/** The lock folder inside a locked report or work dir. */
export const LOCK_NAME = '.gate.lock';

/** The file that marks a work dir as made by gate (gate empties only folders it made). */
export const WORK_DIR_MARKER = '.gate-work-dir';
