package dev.fila.driver.amqp;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;

import dev.fila.core.FilaException;
import dev.fila.driver.amqp.AmqpMessages.Envelope;
import dev.fila.scheduling.Scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/**
 * How publishing and declaring survive a channel that closes, with a mocked Spring
 * {@link ConnectionFactory} and mocked channels, no broker: a failed channel is dropped from
 * the pool, a publish goes again on a new channel, and one that keeps failing ends in a
 * {@link FilaException}.
 */
class AmqpChannelsRecoveryTests {

	private final ConnectionFactory connectionFactory = mock(ConnectionFactory.class);

	private final com.rabbitmq.client.Connection connection = mock(com.rabbitmq.client.Connection.class);

	private final List<Channel> created = new ArrayList<>();

	private final AmqpChannels channels = new AmqpChannels(this.connectionFactory, Duration.ofSeconds(1));

	private final AmqpNames names = new AmqpNames("fila");

	@BeforeEach
	void connect() throws IOException {
		Connection springConnection = mock(Connection.class);
		when(this.connectionFactory.createConnection()).thenReturn(springConnection);
		when(springConnection.getDelegate()).thenReturn(this.connection);
		when(this.connection.createChannel()).thenAnswer((invocation) -> channel());
	}

	private Channel channel() throws IOException {
		Channel channel = mock(Channel.class);
		when(channel.isOpen()).thenReturn(true);
		when(channel.queueDeclare(anyString(), anyBoolean(), anyBoolean(), anyBoolean(), anyMap()))
			.thenAnswer((invocation) -> new AMQP.Queue.DeclareOk.Builder().queue(invocation.getArgument(0)).build());
		this.created.add(channel);
		return channel;
	}

	/** Makes the next channel created fail its publisher confirms, as a channel closed under it. */
	private void nextChannelsLoseConfirms(int count) throws IOException {
		doAnswer((invocation) -> {
			Channel channel = channel();
			if (this.created.size() <= count) {
				try {
					doThrow(new AlreadyClosedException(new ShutdownSignalException(false, false, null, channel)))
						.when(channel)
						.waitForConfirmsOrDie(anyLong());
				}
				catch (InterruptedException | java.util.concurrent.TimeoutException ex) {
					throw new IllegalStateException(ex);
				}
			}
			return channel;
		}).when(this.connection).createChannel();
	}

	@Test
	void aChannelIsPooledAndUsedAgain() {
		this.channels.with((channel) -> null);
		this.channels.with((channel) -> null);

		assertThat(this.created).hasSize(1);
	}

	@Test
	void aPooledChannelThatClosedMeanwhileIsReplaced() {
		this.channels.with((channel) -> null);
		when(this.created.get(0).isOpen()).thenReturn(false);

		this.channels.with((channel) -> null);

		assertThat(this.created).hasSize(2);
	}

	@Test
	void aChannelWhoseWorkFailedIsClosedNotPooledAndTheFailureIsAFilaException() throws Exception {
		assertThatExceptionOfType(FilaException.class).isThrownBy(() -> this.channels.with((channel) -> {
			throw new IOException("channel closed by broker");
		})).withMessageContaining("channel closed by broker");
		verify(this.created.get(0)).close();

		this.channels.with((channel) -> null);
		assertThat(this.created).hasSize(2);
	}

	@Test
	void noChannelLeftOnTheConnectionIsAFilaException() throws IOException {
		doReturn(null).when(this.connection).createChannel();

		assertThatExceptionOfType(FilaException.class).isThrownBy(() -> this.channels.with((channel) -> null))
			.withMessageContaining("channel-max");
	}

	@Test
	void aMissingQueueCountsMinusOneAndItsClosedChannelIsNotPooled() throws Exception {
		doAnswer((invocation) -> {
			Channel channel = channel();
			AMQP.Channel.Close close = new AMQP.Channel.Close.Builder().replyCode(AMQP.NOT_FOUND).build();
			when(channel.queueDeclarePassive("gone"))
				.thenThrow(new IOException(new ShutdownSignalException(false, false, close, channel)));
			return channel;
		}).when(this.connection).createChannel();

		assertThat(this.channels.readyCount("gone")).isEqualTo(-1);
		verify(this.created.get(0)).close();
	}

	@Test
	void aPublishWhoseChannelClosedGoesAgainOnANewChannel() throws Exception {
		nextChannelsLoseConfirms(1);
		AmqpPublisher publisher = publisher();

		publisher.publishToKeys("orders", List.of(message("m1", "a")));

		assertThat(this.created).hasSize(2);
		String keyQueue = this.names.keyQueue("orders", "a");
		verify(this.created.get(0)).basicPublish(eq(""), eq(keyQueue), eq(true), any(), any());
		verify(this.created.get(0), atLeastOnce()).close();
		verify(this.created.get(1)).basicPublish(eq(""), eq(keyQueue), eq(true), any(), any());
		verify(this.created.get(1), never()).close();
	}

	@Test
	void aPublishThatKeepsFailingEndsInAFilaException() throws IOException {
		nextChannelsLoseConfirms(Integer.MAX_VALUE);
		AmqpPublisher publisher = publisher();

		assertThatExceptionOfType(FilaException.class)
			.isThrownBy(() -> publisher.publishToKeys("orders", List.of(message("m1", "a"))));
		// Six attempts, each on a channel of its own.
		assertThat(this.created).hasSize(6);
	}

	private AmqpPublisher publisher() {
		ExpiryProtocol expiries = new ExpiryProtocol(Duration.ZERO, System::nanoTime);
		KeyLog keyLog = new KeyLog(this.channels, this.names.keyLog(), 1 << 20, expiries);
		PublishedKeys publishedKeys = new PublishedKeys();
		AmqpTopology topology = new AmqpTopology(this.channels, this.names, AmqpTestSupport.options("fila", 0), keyLog,
				publishedKeys);
		KeyExpiry keyExpiry = new KeyExpiry(expiries, this.channels, this.names, keyLog,
				mock(ScheduledExecutorService.class));
		return new AmqpPublisher(this.channels, topology, keyLog, keyExpiry, publishedKeys, (spec) -> {
		});
	}

	private static Envelope message(String id, String key) {
		return new Envelope(id, Map.of(), id.getBytes(), new Scheduling(key, 1, List.of()), 0, 0);
	}

}
