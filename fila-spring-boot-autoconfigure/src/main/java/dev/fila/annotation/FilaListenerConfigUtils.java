package dev.fila.annotation;

/**
 * Bean names shared by the annotation support and its auto-configuration.
 */
public final class FilaListenerConfigUtils {

	/**
	 * Name of the {@link java.util.concurrent.Executor} bean that runs consumer worker loops,
	 * one thread per loop (virtual threads with {@code spring.threads.virtual.enabled=true}).
	 */
	public static final String WORKER_EXECUTOR_BEAN_NAME = "filaWorkerExecutor";

	/** The {@code MessageHandlerMethodFactory} used for {@code @FilaListener} methods. */
	public static final String HANDLER_METHOD_FACTORY_BEAN_NAME = "filaMessageHandlerMethodFactory";

	private FilaListenerConfigUtils() {
	}

}
