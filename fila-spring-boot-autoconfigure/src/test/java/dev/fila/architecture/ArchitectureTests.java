package dev.fila.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Rules the package structure keeps: no cycle between {@code dev.fila} packages (each package,
 * sub-packages included, is a slice of its own), the public API in {@code dev.fila.core}
 * at the bottom, depending on no other Fila package, and drivers free of Spring Boot: they get
 * plain values, which {@code dev.fila.autoconfigure} maps from properties.
 */
class ArchitectureTests {

	private static final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.fila");

	@Test
	void packagesAreFreeOfCycles() {
		slices().matching("dev.fila.(**)").should().beFreeOfCycles().check(classes);
	}

	@Test
	void theCoreApiDependsOnNoOtherFilaPackage() {
		noClasses().that()
			.resideInAPackage("dev.fila.core")
			.should()
			.dependOnClassesThat(resideInAPackage("dev.fila..").and(not(resideInAPackage("dev.fila.core"))))
			.check(classes);
	}

	@Test
	void driversDependOnNeitherSpringBootNorBeanLookup() {
		noClasses().that()
			.resideInAPackage("dev.fila.driver..")
			.should()
			.dependOnClassesThat(resideInAPackage("org.springframework.boot..").or(type(ObjectProvider.class)))
			.check(classes);
	}

}
