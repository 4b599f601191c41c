CREATE TABLE t221 (id bigint PRIMARY KEY, name text NOT NULL);
