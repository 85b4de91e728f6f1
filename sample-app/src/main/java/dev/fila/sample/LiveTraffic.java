package dev.fila.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import dev.fila.core.FilaAdmin;
import dev.fila.core.FilaTemplate;
import dev.fila.core.OutboundMessage;

/**
 * With {@code sample.keep-running=true}, keeps traffic flowing into the fan-out queue after the
 * demo, so that there is something to look at in the dashboard ({@code /fila}),
 * {@code /actuator/fila/tenant-jobs} and the meters: twice a second a noisy tenant enqueues 500 jobs and two quiet tenants a few each,
 * while the backlog is under 3,000 (so memory stays bounded).
 */
@Component
class LiveTraffic implements DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(LiveTraffic.class);

	private static final long MAX_BACKLOG = 3_000;

	private final SampleProperties properties;

	private final FilaTemplate fila;

	private final FilaAdmin admin;

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "sample-traffic");
		thread.setDaemon(true);
		return thread;
	});

	LiveTraffic(SampleProperties properties, FilaTemplate fila, FilaAdmin admin) {
		this.properties = properties;
		this.fila = fila;
		this.admin = admin;
	}

	@EventListener(ApplicationReadyEvent.class)
	void start() {
		if (!this.properties.keepRunning()) {
			return;
		}
		logger.info("Live traffic into '{}': open the dashboard at http://localhost:8080/fila#queue={} "
				+ "or try curl localhost:8080/actuator/fila/{}", FairFanOut.QUEUE, FairFanOut.QUEUE, FairFanOut.QUEUE);
		this.scheduler.scheduleWithFixedDelay(this::tick, 0, 500, TimeUnit.MILLISECONDS);
	}

	private void tick() {
		try {
			if (this.admin.stats(FairFanOut.QUEUE).pending() < MAX_BACKLOG) {
				this.fila.enqueueAll(FairFanOut.QUEUE, jobs("noisy", 500));
				this.fila.enqueueAll(FairFanOut.QUEUE, jobs("quiet", 3));
				this.fila.enqueueAll(FairFanOut.QUEUE, jobs("steady", 5));
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Live traffic failed: {}", ex.toString());
		}
	}

	private static List<OutboundMessage> jobs(String tenant, int count) {
		List<OutboundMessage> jobs = new ArrayList<>(count);
		for (int i = 1; i <= count; i++) {
			jobs.add(OutboundMessage.of(Map.of(FairFanOut.TENANT_HEADER, tenant), new FairFanOut.Job(tenant, i)));
		}
		return jobs;
	}

	@Override
	public void destroy() {
		this.scheduler.shutdownNow();
	}

}
