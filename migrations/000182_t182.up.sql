CREATE TABLE t182 (id bigint PRIMARY KEY, name text NOT NULL);
