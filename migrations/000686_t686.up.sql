CREATE TABLE t686 (id bigint PRIMARY KEY, name text NOT NULL);
