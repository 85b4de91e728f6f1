package dev.fila.sample;

import org.slf4j.LoggerFactory;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Fila sample: three messaging patterns on the in-JVM memory driver, no server needed.
 * {@link SampleRunner} runs them once the application has started; then the application
 * exits, unless started with {@code --sample.keep-running=true}.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SampleApplication {

	public static void main(String[] args) {
		ConfigurableApplicationContext context = SpringApplication.run(SampleApplication.class, args);
		if (context.getBean(SampleProperties.class).keepRunning()) {
			LoggerFactory.getLogger(SampleApplication.class)
				.info("Still running because sample.keep-running=true; press Ctrl+C to stop");
		}
		else {
			// Closing the context stops the consumers gracefully; then the JVM exits.
			System.exit(SpringApplication.exit(context));
		}
	}

}
