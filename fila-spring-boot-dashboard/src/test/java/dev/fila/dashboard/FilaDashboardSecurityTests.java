package dev.fila.dashboard;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import dev.fila.autoconfigure.FilaAutoConfiguration;
import dev.fila.core.FilaAdmin;
import dev.fila.dashboard.autoconfigure.FilaDashboardAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * With Spring Security, the page and its actions are behind the application's own security,
 * CSRF included: the page carries the token, and an action without it is refused.
 */
class FilaDashboardSecurityTests {

	private static final Pattern META = Pattern.compile("<meta name=\"fila-csrf-(header|token)\" content=\"([^\"]+)\">");

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class,
				HttpMessageConvertersAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
				WebMvcAutoConfiguration.class, FilaAutoConfiguration.class, FilaDashboardAutoConfiguration.class))
		.withUserConfiguration(ApplicationSecurity.class)
		.withPropertyValues("fila.dashboard.read-only=false", "fila.queues.jobs.dead-letter=true");

	@Test
	void thePageAndItsActionsNeedTheApplicationsLoginAndTheCsrfToken() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed();
			MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).apply(springSecurity()).build();
			FilaAdmin admin = context.getBean(FilaAdmin.class);

			assertThat(send(mvc, get("/fila")).getStatus()).isEqualTo(401);
			assertThat(send(mvc, get("/fila/api/overview")).getStatus()).isEqualTo(401);

			MvcResult page = mvc.perform(get("/fila").with(httpBasic("ops", "secret"))).andReturn();
			assertThat(page.getResponse().getStatus()).isEqualTo(200);
			String html = page.getResponse().getContentAsString();
			String header = meta(html, "header");
			String token = meta(html, "token");
			assertThat(header).isEqualTo("X-CSRF-TOKEN");
			MockHttpSession session = (MockHttpSession) page.getRequest().getSession();

			String pause = "{\"action\":\"pause\"}";
			MockHttpServletResponse withoutToken = send(mvc, post("/fila/api/queues/jobs/actions")
				.with(httpBasic("ops", "secret")).session(session).contentType(MediaType.APPLICATION_JSON).content(pause));
			assertThat(withoutToken.getStatus()).isEqualTo(403);
			assertThat(admin.stats("jobs").paused()).isFalse();

			MockHttpServletResponse withToken = send(mvc, post("/fila/api/queues/jobs/actions")
				.with(httpBasic("ops", "secret"))
				.session(session)
				.header(header, token)
				.contentType(MediaType.APPLICATION_JSON)
				.content(pause));
			assertThat(withToken.getStatus()).isEqualTo(200);
			assertThat(admin.stats("jobs").paused()).isTrue();
		});
	}

	private static String meta(String html, String which) {
		Matcher matcher = META.matcher(html);
		while (matcher.find()) {
			if (matcher.group(1).equals(which)) {
				return matcher.group(2);
			}
		}
		throw new AssertionError("No fila-csrf-" + which + " meta tag in the page");
	}

	private static MockHttpServletResponse send(MockMvc mvc, MockHttpServletRequestBuilder request) throws Exception {
		return mvc.perform(request).andReturn().getResponse();
	}

	/** An application's own security: HTTP basic for every URL, CSRF on by default. */
	@Configuration(proxyBeanMethods = false)
	@EnableWebSecurity
	static class ApplicationSecurity {

		@Bean
		SecurityFilterChain security(HttpSecurity http) throws Exception {
			return http.authorizeHttpRequests((requests) -> requests.anyRequest().authenticated())
				.httpBasic(Customizer.withDefaults())
				.build();
		}

		@Bean
		InMemoryUserDetailsManager users() {
			return new InMemoryUserDetailsManager(User.withUsername("ops").password("{noop}secret").roles("OPS").build());
		}

	}

}
