package dev.fila.driver.amqp;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;

import dev.fila.core.FilaException;

/**
 * Channels on Spring Boot's RabbitMQ connection. Publishing and declaring go through a small
 * pool of channels in publisher-confirm mode, each with a return listener, so that a publish
 * is done only when the broker confirmed it and a message no queue took is known, never
 * silently dropped. Spring's {@link ConnectionFactory} owns the connection and opens a new
 * one when the old one died; a broken channel is simply dropped from the pool.
 */
final class AmqpChannels {

	/** A message to publish through the default exchange. */
	record Publish(String queue, AMQP.BasicProperties properties, byte[] body) {
	}

	/** Work that needs a confirm channel. */
	@FunctionalInterface
	interface ChannelWork<T> {

		T run(ConfirmChannel channel) throws IOException;

	}

	private final ConnectionFactory connectionFactory;

	private final Duration confirmTimeout;

	private final BlockingQueue<ConfirmChannel> idle = new ArrayBlockingQueue<>(16);

	AmqpChannels(ConnectionFactory connectionFactory, Duration confirmTimeout) {
		this.connectionFactory = connectionFactory;
		this.confirmTimeout = confirmTimeout;
	}

	/** Opens a plain channel (for consumers); the caller closes it. */
	Channel open() throws IOException {
		Channel channel = this.connectionFactory.createConnection().getDelegate().createChannel();
		if (channel == null) {
			throw new IOException("RabbitMQ refused a new channel (channel-max reached)");
		}
		return channel;
	}

	/** Checks that the broker answers. */
	void ping() {
		with((channel) -> {
			channel.channel().basicQos(0);
			return null;
		});
	}

	/**
	 * Runs work on a pooled confirm channel; a channel that failed is closed, not pooled again.
	 * @throws FilaException when the work failed
	 */
	<T> T with(ChannelWork<T> work) {
		ConfirmChannel channel = null;
		try {
			channel = borrow();
			T result = work.run(channel);
			giveBack(channel);
			return result;
		}
		catch (IOException | RuntimeException ex) {
			if (channel != null) {
				channel.close();
			}
			if (ex instanceof FilaException filaException) {
				throw filaException;
			}
			throw new FilaException("RabbitMQ operation failed: " + describe(ex), ex);
		}
	}

	/**
	 * Counts the ready messages of a queue.
	 * @return the count, or -1 when the queue does not exist
	 */
	long readyCount(String queue) {
		ConfirmChannel channel = null;
		try {
			channel = borrow();
			long count = channel.channel().queueDeclarePassive(queue).getMessageCount();
			giveBack(channel);
			return count;
		}
		catch (IOException ex) {
			// A passive declare of a missing queue closes the channel with 404 NOT_FOUND.
			if (channel != null) {
				channel.close();
			}
			if (isNotFound(ex)) {
				return -1;
			}
			throw new FilaException("RabbitMQ operation failed: " + describe(ex), ex);
		}
		catch (RuntimeException ex) {
			if (channel != null) {
				channel.close();
			}
			throw new FilaException("RabbitMQ operation failed: " + describe(ex), ex);
		}
	}

	static boolean isNotFound(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof ShutdownSignalException signal && signal.getReason() instanceof AMQP.Channel.Close close
					&& close.getReplyCode() == AMQP.NOT_FOUND) {
				return true;
			}
		}
		return false;
	}

	private ConfirmChannel borrow() throws IOException {
		ConfirmChannel channel = this.idle.poll();
		return (channel != null && channel.channel().isOpen()) ? channel
				: new ConfirmChannel(open(), this.confirmTimeout);
	}

	private void giveBack(ConfirmChannel channel) {
		if (!this.idle.offer(channel)) {
			channel.close();
		}
	}

	/** Closes a channel, ignoring that it may be closing or closed already. */
	static void closeQuietly(Channel channel) {
		try {
			if (channel.isOpen()) {
				channel.close();
			}
		}
		catch (IOException | TimeoutException | RuntimeException ex) {
			// already closing or closed: nothing to release
		}
	}

	/**
	 * Closes channels on a thread of its own: a channel close waits for RabbitMQ's close-ok,
	 * which the connection's thread reads, so it must not run on that thread (a shutdown
	 * listener) nor hold up a caller's lock.
	 */
	static void closeInBackground(List<Channel> channels) {
		Thread closer = new Thread(() -> channels.forEach(AmqpChannels::closeQuietly), "fila-amqp-close");
		closer.setDaemon(true);
		closer.start();
	}

	/** Closes a channel without waiting for RabbitMQ's close-ok. */
	static void abortQuietly(Channel channel) {
		try {
			if (channel.isOpen()) {
				channel.abort();
			}
		}
		catch (IOException | RuntimeException ex) {
			// already closing or closed: nothing to release
		}
	}

	/** Rejects a delivery with requeue; if the channel is going away, RabbitMQ requeues it anyway. */
	static void rejectQuietly(Channel channel, long tag) {
		try {
			if (channel.isOpen()) {
				channel.basicReject(tag, true);
			}
		}
		catch (IOException | RuntimeException ex) {
			// the channel is going away; RabbitMQ requeues the message with it
		}
	}

	void close() {
		ConfirmChannel channel;
		while ((channel = this.idle.poll()) != null) {
			channel.close();
		}
	}

	static String describe(Throwable ex) {
		Throwable cause = ex;
		while (cause.getCause() != null && cause.getMessage() == null) {
			cause = cause.getCause();
		}
		return (cause.getMessage() != null) ? cause.getMessage() : cause.getClass().getSimpleName();
	}

	/** A channel in confirm mode that remembers which published messages came back unroutable. */
	static final class ConfirmChannel {

		private final Channel channel;

		private final long confirmTimeoutMillis;

		private final Set<String> returned = new HashSet<>();

		ConfirmChannel(Channel channel, Duration confirmTimeout) throws IOException {
			this.channel = channel;
			this.confirmTimeoutMillis = confirmTimeout.toMillis();
			channel.confirmSelect();
			channel.addReturnListener((returnMessage) -> {
				synchronized (this.returned) {
					this.returned.add(returnMessage.getProperties().getMessageId());
				}
			});
		}

		Channel channel() {
			return this.channel;
		}

		/**
		 * Publishes with {@code mandatory} and waits for the broker's confirms.
		 * @return the message ids the broker returned because no queue took them
		 */
		Set<String> publish(List<Publish> messages) throws IOException {
			synchronized (this.returned) {
				this.returned.clear();
			}
			for (Publish message : messages) {
				this.channel.basicPublish("", message.queue(), true, message.properties(), message.body());
			}
			try {
				this.channel.waitForConfirmsOrDie(this.confirmTimeoutMillis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IOException("interrupted while waiting for publisher confirms", ex);
			}
			catch (TimeoutException ex) {
				throw new IOException("no publisher confirm within " + this.confirmTimeoutMillis + " ms", ex);
			}
			// The broker sends a return before the confirm of the same message, so every return
			// of this batch has been seen once all confirms are in.
			synchronized (this.returned) {
				return Set.copyOf(this.returned);
			}
		}

		void close() {
			closeQuietly(this.channel);
		}

	}

}
