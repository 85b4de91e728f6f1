package dev.fila.annotation;

/**
 * Bean names shared by the annotation support and its auto-configuration.
 */
public final class FilaListenerConfigUtils {

	/** The {@code MessageHandlerMethodFactory} used for {@code @FilaListener} methods. */
	public static final String HANDLER_METHOD_FACTORY_BEAN_NAME = "filaMessageHandlerMethodFactory";

	private FilaListenerConfigUtils() {
	}

}
