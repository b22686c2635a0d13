// Compile-only stub of android.util.Log (signatures as in the SDK reference).
@file:Suppress("unused", "UNUSED_PARAMETER")

package android.util

class Log private constructor() {
    companion object {
        const val DEBUG: Int = 3
        const val INFO: Int = 4
        const val WARN: Int = 5
        const val ERROR: Int = 6
        @JvmStatic fun println(priority: Int, tag: String?, msg: String): Int =
            throw UnsupportedOperationException("stub")
    }
}
