package dev.fila.autoconfigure;

import java.beans.PropertyDescriptor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

import dev.fila.core.ConfigurationProblems;
import dev.fila.core.FilaConfigurationException;

/**
 * The properties set under {@code fila.drivers}, as the environment has them. Binding ignores
 * a property that no field takes, so a mistyped option, an entry of the removed
 * {@code options} map or the options of another driver type would leave a driver on its
 * defaults without a word: {@link #check} reports each of them instead.
 */
final class DriverPropertyNames {

	private static final ConfigurationPropertyName DRIVERS = ConfigurationPropertyName.of("fila.drivers");

	/** The sections of driver options, by the driver type that takes them. */
	private static final Map<String, Class<?>> SECTIONS = Map.of("memory", FilaProperties.Memory.class, "redis",
			FilaProperties.Redis.class, "amqp", FilaProperties.Amqp.class);

	private final Map<ConfigurationPropertyName, @Nullable Object> values;

	private DriverPropertyNames(Map<ConfigurationPropertyName, @Nullable Object> values) {
		this.values = values;
	}

	/**
	 * @param environment the environment
	 * @return the properties set under {@code fila.drivers}, with their values
	 */
	static DriverPropertyNames of(Environment environment) {
		Map<ConfigurationPropertyName, @Nullable Object> values = new LinkedHashMap<>();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (source instanceof IterableConfigurationPropertySource iterable) {
				iterable.filter(DRIVERS::isAncestorOf).forEach((name) -> {
					ConfigurationProperty property = iterable.getConfigurationProperty(name);
					values.putIfAbsent(name, (property != null) ? property.getValue() : null);
				});
			}
		}
		return new DriverPropertyNames(values);
	}

	/**
	 * Reports every property set under {@code fila.drivers.<name>} that a driver of its type
	 * does not take: anything but {@code type} and the options of that type's section.
	 * @param name the driver name
	 * @param type the driver's type
	 * @param problems where the problems go
	 */
	void check(String name, String type, ConfigurationProblems problems) {
		String prefix = "fila.drivers." + name;
		Set<String> options = options(type);
		this.values.forEach((property, value) -> {
			if (!property.getElement(2, Form.ORIGINAL).equals(name) || property.getNumberOfElements() < 4) {
				return;
			}
			String first = property.getElement(3, Form.UNIFORM);
			int elements = property.getNumberOfElements();
			if (elements == 4 && (first.equals("type") || first.equals(type))) {
				return; // the type, or an empty section of its options ("amqp: {}" in YAML)
			}
			if (first.equals(type) && elements == 5 && !property.isLastElementIndexed()
					&& options.contains(property.getElement(4, Form.UNIFORM))) {
				return;
			}
			String allowed;
			if (first.equals(type)) {
				allowed = "one of the " + type + " driver options " + dashed(type);
			}
			else if (SECTIONS.containsKey(first)) {
				allowed = "nothing under " + prefix + "." + first + " for a driver of type " + type + ": "
						+ whereOptionsGo(prefix, type);
			}
			else {
				allowed = "type, and " + whereOptionsGo(prefix, type);
			}
			problems.add(new FilaConfigurationException(property.toString(), value, allowed));
		});
	}

	private static String whereOptionsGo(String prefix, String type) {
		return SECTIONS.containsKey(type) ? "the " + type + " driver options " + dashed(type) + " under " + prefix + "."
				+ type : "no options (the " + type + " driver takes none)";
	}

	/** @return a section's options in uniform form (lower case, no dashes), as names are compared */
	private static Set<String> options(String type) {
		Set<String> options = new TreeSet<>();
		dashed(type).forEach((option) -> options.add(ConfigurationPropertyName.of(option).getElement(0, Form.UNIFORM)));
		return options;
	}

	private static Set<String> dashed(String type) {
		Set<String> options = new TreeSet<>();
		Class<?> section = SECTIONS.get(type);
		if (section != null) {
			for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(section)) {
				if (descriptor.getWriteMethod() != null) {
					options.add(DataObjectPropertyName.toDashedForm(descriptor.getName()));
				}
			}
		}
		return options;
	}

}
