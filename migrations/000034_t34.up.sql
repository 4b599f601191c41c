CREATE TABLE t34 (id bigint PRIMARY KEY, name text NOT NULL);
