CREATE TABLE t59 (id bigint PRIMARY KEY, name text NOT NULL);
