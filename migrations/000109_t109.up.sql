CREATE TABLE t109 (id bigint PRIMARY KEY, name text NOT NULL);
