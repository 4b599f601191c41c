CREATE TABLE t561 (id bigint PRIMARY KEY, name text NOT NULL);
