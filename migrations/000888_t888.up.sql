CREATE TABLE t888 (id bigint PRIMARY KEY, name text NOT NULL);
