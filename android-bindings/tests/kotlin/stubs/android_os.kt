// Compile-only stubs of android.os (signatures as in the SDK reference);
// the android = true flavour of the bindings uses them.
@file:Suppress("unused", "ClassName")

package android.os

class Build private constructor() {
    object VERSION {
        @JvmField val SDK_INT: Int = 0                    // public static final int SDK_INT
    }
    object VERSION_CODES {
        const val UPSIDE_DOWN_CAKE: Int = 34              // public static final int, API 34
    }
}

class SystemClock private constructor() {
    companion object {
        @JvmStatic fun elapsedRealtime(): Long = throw UnsupportedOperationException("stub")
    }
}
