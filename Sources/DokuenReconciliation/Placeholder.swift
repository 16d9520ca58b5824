// The reconciler planner (in progress).
