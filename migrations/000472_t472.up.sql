CREATE TABLE t472 (id bigint PRIMARY KEY, name text NOT NULL);
