#include "reconcile/reconcile.h"
